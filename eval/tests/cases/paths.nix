[ (builtins.typeOf ./foo) (toString /a/b/../c) (/a + "/b") (builtins.baseNameOf ./x/y.nix) ]
