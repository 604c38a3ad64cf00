builtins.convertHash { hash = "sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709"; hashAlgo = "sha256"; toHashFormat = "sri"; }
