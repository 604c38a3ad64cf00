# builtins.builtins is the builtins set itself, at any depth; tvix-eval
# builds builtins.builtins as a copy without its own `builtins` attribute
# (a self-referencing set would be an Rc cycle).
[ (builtins.builtins.builtins ? map) (builtins.builtins.builtins.builtins.true) ]
