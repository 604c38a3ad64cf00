# The value in a type error is printed from the argument's own cell: a list
# that contains itself is «repeated» at once.
let
  x = [ x 1 2 ];
in
builtins.deepSeq x (builtins.attrNames x)
