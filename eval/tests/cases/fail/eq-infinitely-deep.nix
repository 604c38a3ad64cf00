# `==` of two sets nested without end ends in C++ Nix's stack overflow.
let
  f = x: { y = f x; };
in
f 1 == f 1
