# listToAttrs: one construct in a loop (see eval/scripts/micro-vs-reference.sh)
builtins.foldl' (acc: i: acc + builtins.length (builtins.attrNames (builtins.listToAttrs [ { name = "a"; value = i; } { name = "b"; value = 1; } ]))) 0 (builtins.genList (i: i) 300000)
