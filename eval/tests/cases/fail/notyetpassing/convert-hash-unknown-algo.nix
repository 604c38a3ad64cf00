# C++ Nix reports an unknown hash algorithm as a usage error, so
# nix-instantiate adds "Try 'nix-instantiate --help' for more information."
# after the error; tvix-eval renders the error alone.
builtins.convertHash { hash = "abc-def"; toHashFormat = "sri"; }
