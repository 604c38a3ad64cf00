[ "tab\there" "nl\nx" "dollar \${x}" ''indented
    ''${x} and '''quote and ''\n done
  '' "uni ✓" ]
