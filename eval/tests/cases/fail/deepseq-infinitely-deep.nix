# A set nested without end: deepSeq walks down until C++ Nix's stack
# overflows ("stack overflow (possible infinite recursion)", no position,
# no trace), and tryEval does not catch that.
let
  f = x: { y = f x; };
in
builtins.tryEval (builtins.deepSeq (f 1) 1)
