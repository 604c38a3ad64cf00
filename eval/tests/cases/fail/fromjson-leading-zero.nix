builtins.fromJSON "01"
