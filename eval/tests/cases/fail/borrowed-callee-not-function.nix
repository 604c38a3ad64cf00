# A callee borrowed from its thunk that is not a function.
let
  s = { f = if true then 1 else null; };
  g = s.f;
in
builtins.map g [ 1 ]
