builtins.mul "a" 1.5
