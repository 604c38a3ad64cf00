# `let`s and `rec` sets evaluated once per environment share it (the
# compiler merges their slots into the enclosing frame): shadowing, inherit,
# inherit (e), if branches, assert, with, rec sets in function bodies,
# bindings referring to later ones, retried evaluation after a caught error,
# and functions closing over merged bindings.
let
  nested = i:
    let a1 = i; in let a2 = a1 + 1; in let a3 = a2 * 2; in
    let a1 = a3 + 100; in a1 + a2;
  shadow = x: let x' = x; x = 5; in let y = x; in [ x' y ];
  inheritLet = a: let inherit a; b = a + 1; in let inherit a b; c = a + b; in c;
  inheritFrom = s: let inherit (s) p q; in let inherit (s) q; r = p + q; in r;
  branches = b:
    if b then let t = "then"; in let u = t + "!"; in u
    else let e = "else"; in e + "?";
  asserted = n: assert n > 0; let m = n * 3; in m;
  withLet = s: with s; let z = w + 1; in let w = 10; in z + w;
  recBody = n: rec { a = n; b = a + 1; c = let d = b * 2; in d; };
  later = n: let a = b + 1; b = n * 2; in a;
  closes = n: let k = n + 1; f = m: let j = m + k; in j; in map f [ 1 2 3 ];
  fails = n: let bad = throw "no"; good = n + 1; in if n > 2 then bad else good;
  retried = builtins.map (n: (builtins.tryEval (fails n)).value or null) [ 1 2 3 4 ];
  overrides = n: rec { a = n; b = a + 1; __overrides = { a = 7; }; };
  curried = a: b: let s = a + b; in c: let t = s * c; in t;
  lazyInner = n: let xs = builtins.genList (i: let j = i + n; in j) 3; in xs;
  formals = { a, b ? let c = a * 2; in c }: let d = a + b; in d;
in
[
  (nested 1)
  (shadow 3)
  (inheritLet 4)
  (inheritFrom { p = 1; q = 2; })
  (branches true)
  (branches false)
  (asserted 2)
  (withLet { w = 1; })
  (recBody 5)
  (later 3)
  (closes 10)
  retried
  (overrides 1)
  (curried 1 2 3)
  (map (curried 2 2) [ 1 2 ])
  (lazyInner 5)
  (formals { a = 3; })
  (formals { a = 3; b = 1; })
]
