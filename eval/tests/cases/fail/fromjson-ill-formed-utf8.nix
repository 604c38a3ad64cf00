builtins.fromJSON "[\n  \"abâ‚\"]"
