# toJSON of a list nested without end ends in C++ Nix's stack overflow.
let
  l = x: [ (l x) ];
in
builtins.toJSON (l 1)
