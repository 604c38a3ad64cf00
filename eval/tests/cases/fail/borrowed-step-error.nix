# An error while forcing an intermediate step of a select that borrows
# its sets: the same message and trace frames as a copied step.
let
  s = { a = { b = { c = throw "boom in a step"; }; }; };
in
s.a.b.c.d
