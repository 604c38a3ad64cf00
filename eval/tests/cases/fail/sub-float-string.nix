builtins.sub 1.5 "x"
