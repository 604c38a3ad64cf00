# deepSeq forces each value at its own position (C++ `determinePos`), none
# for a thunk: the infinite recursion it meets has no position, not the
# attribute's.
let
  x = { a = builtins.deepSeq x 1; };
in
x.a
