builtins.fromTOML ''
  a = 1
  b = "str"
  [table]
  c = [1, 2, 3]
  d = { e = true }
  [[arr]]
  x = 1
  [[arr]]
  x = 2
''
