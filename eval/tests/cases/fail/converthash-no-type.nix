builtins.convertHash { hash = "abc"; toHashFormat = "nix32"; }
