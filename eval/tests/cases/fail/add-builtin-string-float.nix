builtins.add "x" 1.5
