# Attribute sets written twice under one name merge, as do paths into them.
[
  { a = { b = 1; }; a = { c = 2; }; }
  { a = { b = 1; }; a.c = 2; }
  { a.b = 1; a = { c = 2; }; }
  { a = { b.x = 1; }; a = { b.y = 2; }; }
  (let s = { a = { b = 1; }; a = { c = 2; }; }; in s.a)
  (rec { a = { b = 1; }; a = { c = b; }; b = 3; })
]
