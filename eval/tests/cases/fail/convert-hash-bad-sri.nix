builtins.convertHash { hash = "sha256-tooshort"; toHashFormat = "base16"; }
