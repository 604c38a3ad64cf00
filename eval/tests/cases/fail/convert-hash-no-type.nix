builtins.convertHash { hash = "abcdef"; toHashFormat = "nix32"; }
