let a = { }; in
''
  x ${"ok"} y
    ${a}
''
