# Same for a value that cannot be made a string.
let
  x = [ x ];
in
builtins.deepSeq x (builtins.substring 0 1 x)
