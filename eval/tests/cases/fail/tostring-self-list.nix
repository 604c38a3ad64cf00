# A list that contains itself, made a string: C++ Nix overflows its stack and
# exits with a message of its own (no position, no trace, even in tryEval).
let
  x = [ 1 x ];
in
builtins.tryEval (toString x)
