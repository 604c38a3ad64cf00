# let (including the old let { body } form), rec, with and inherit.
let
  a = 1;
  b = a + 1;
  inherit (s) c;
  s = { c = 3; d = 4; };
  f = { inherit a; inherit (s) d; };
in
[
  (let { x = 1; y = x + 1; body = y * 10; })
  (rec { x = 1; y = x + 1; z = y; })
  (rec { x = y; y = 2; inherit (s) d; e = d; })
  f
  (with s; c + d)
  (with s; with { c = 30; }; c + d)
  (let c = "let wins"; in with { c = "with loses"; }; c)
  (with { a = "outer"; }; with { b = "inner"; }; [ a b ])
  (with s; let d = 40; in d)
  (let inherit a b; in [ a b ])
  (let x.y = 1; x.z = 2; in x)
  (let x = { }; in x // { y = 1; })
  c
  (({ a, ... }: a) { a = "pattern"; b = 0; })
  (with builtins; length [ 1 2 3 ])
]
