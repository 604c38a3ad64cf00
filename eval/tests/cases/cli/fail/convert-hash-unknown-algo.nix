# C++ Nix reports an unknown hash algorithm as a usage error, so
# nix-instantiate adds "Try 'nix-instantiate --help' for more information."
# after the error; so does the tvix command.
builtins.convertHash { hash = "abc-def"; toHashFormat = "sri"; }
