# An unknown hash format is a usage error in C++ Nix (parseHashFormat).
builtins.convertHash { hash = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="; toHashFormat = "base99"; }
