# Selection with `or` defaults, has-attr, dynamic and quoted names.
x: n: [
  x.b.c
  (x.b.c or n)
  (x.a.b or x.c or 1)
  (x ? b.c)
  (x ? "${n}")
  x.${n}
  x."b c"
  x."a.b"
  x.${"a"}
  x.or
  builtins.map
  map
  ({ a = 1; }).a
]
