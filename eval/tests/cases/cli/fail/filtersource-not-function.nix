builtins.filterSource "x" ./filtersource-not-function.nix
