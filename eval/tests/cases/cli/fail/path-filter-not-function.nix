builtins.path { path = ./path-filter-not-function.nix; filter = 1; }
