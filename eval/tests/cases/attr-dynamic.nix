# Dynamic attribute names in sets, selections, has-attr and inherit.
let
  n = "name";
  s = { ${n} = 1; "${n}2" = 2; ${"a"}.b = 3; a.c = 4; ${null} = 5; "with space" = 6; };
in
[
  s
  s.${n}
  s."${n}2"
  s.a.${"b"}
  (s ? ${n})
  (s ? "with space")
  (s ? a.${"c"})
  (s.${"missing"} or "default")
  (s.a.${"x"}.y or "deep default")
  { x.y.z = 1; x.y.w = 2; x.v = 3; }
  { a = { b = 1; }; a.c = 2; }
  rec { a.b = 1; c = a.b + 1; }
  (let r = rec { ${"x"} = 1; y = 2; }; in r)
  { inherit n; inherit (s) a; }
  { "quoted" = 1; "" = 2; "a.b" = 3; }
  ({ or = 1; }.or)
]
