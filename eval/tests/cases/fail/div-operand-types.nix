builtins.div "a" 1.5
