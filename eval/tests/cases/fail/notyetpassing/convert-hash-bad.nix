# C++ Nix names the hash format it failed to parse ("invalid SRI hash");
# tvix says "invalid hash".
builtins.convertHash { hash = "sha256-tooshort"; toHashFormat = "base16"; }
