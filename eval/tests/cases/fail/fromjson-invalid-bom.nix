builtins.fromJSON "ï»x"
