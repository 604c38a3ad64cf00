[ (builtins.stringLength "日本語") (builtins.substring 0 3 "日本語") (builtins.toJSON "ü\u{1}") ]
