# let (recursive bindings, inherit, nested paths), legacy let, with.
{ x, y }:
[
  (let inherit (y) z; b = a; a = 1; in z)
  (let a.b = 1; a.c = 2; inherit x; in a)
  (let { body = x; })
  (with x; y)
  (with { a = 1; }; a)
  (let a = 1; in with { }; a)
]
