builtins.convertHash { hash = "sha256:abc"; toHashFormat = "nix32"; }
