# builtins.builtins is the builtins set itself, at any depth.
[ (builtins.builtins.builtins ? map) (builtins.builtins.builtins.builtins.true) ]
