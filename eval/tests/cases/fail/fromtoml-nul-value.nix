builtins.fromTOML ''
  [t]
  v = "nul\u0000"
''
