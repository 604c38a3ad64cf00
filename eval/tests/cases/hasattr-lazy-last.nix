# `x ? a.b` forces `x` and `x.a` but never `x.a.b`: a set may test itself.
let
  fix = f: let x = f x; in x;
  self = fix (x: { a = if x ? a then "a" else "b"; });
  nested = fix (x: { a.b = x ? a.b; c = x ? a.b.c; });
in
[ self.a nested.a.b nested.c ({ a = throw "not forced"; } ? a) ]
