# Paths that borrow values where they are instead of copying them out:
# the intermediate sets of a select or `?` (forced in their thunks), the
# callee of an application (a variable, a thunk, a curried closure, a
# builtin, a functor), and the lists, sets and functions list and set
# builtins take.
let
  # every step is a thunk forced by the select itself
  deep = { a = { b = { c = { d = 1; }; }; }; };
  viaCall = (x: x) { p = { q = { r = "r"; }; }; };
  f = x: y: x + y;
  g = f 1;
  h = if true then f else null;
  functor = { __functor = self: x: x * self.k; k = 3; };
  lists = map (x: x * 2) [ 1 2 3 ];
  sets = builtins.mapAttrs (n: v: v + 1) { a = 1; b = 2; };
  fs = { inc = x: x + 1; pick = builtins.head; };
  lazyHead = { h = throw "unforced"; t = 1; };
in
{
  deep = deep.a.b.c.d;
  deepTwice = deep.a.b.c.d + deep.a.b.c.d;
  partial = deep.a.b.zz or "default after borrowed steps";
  nonSetStep = deep.a.b.c.d.e or "default on a non-set step";
  has = [ (deep ? a.b.c.d) (deep ? a.b.zz) (deep ? a.b.c.d.e) (viaCall ? p.q.r) ];
  viaCall = viaCall.p.q.r;
  curried = [ (f 1 2) (g 2) (h 3 4) ((x: y: z: x + y + z) 1 2 3) ];
  calledFromSet = [ (fs.inc 1) (fs.pick [ 5 6 ]) ];
  functor = [ (functor 2) (builtins.map functor [ 1 2 ]) (builtins.filter (x: functor x > 3) [ 1 2 ]) ];
  primopPartial = [ (builtins.elemAt [ 1 2 3 ] 1) ((builtins.elemAt [ 7 8 ]) 0) ];
  # list builtins on thunks of lists, sets and functions
  lengths = [ (builtins.length lists) (builtins.length (builtins.attrNames sets)) ];
  folded = builtins.foldl' (a: b: a + b) 0 lists;
  filtered = builtins.filter (x: x > 2) lists;
  sorted = builtins.sort (a: b: a > b) lists;
  concatMapped = builtins.concatMap (x: [ x x ]) lists;
  anyAll = [ (builtins.any (x: x == 4) lists) (builtins.all (x: x > 0) lists) ];
  elemAt = builtins.elemAt lists 2;
  attrs = [ sets.a (builtins.getAttr "b" sets) (builtins.hasAttr "c" sets) (builtins.attrValues sets) ];
  removed = builtins.removeAttrs sets [ "a" ];
  intersected = builtins.intersectAttrs { a = null; } sets;
  catAttrs = builtins.catAttrs "a" [ sets { a = 9; } { } ];
  zipped = builtins.zipAttrsWith (n: vs: vs) [ sets { a = 0; } ];
  listToAttrs = builtins.listToAttrs [ { name = "x"; value = lazyHead.t; } ];
  # the unforced attribute of a borrowed set stays unforced
  lazyTail = lazyHead.t;
  tried = builtins.tryEval lazyHead.h;
  genericClosure = builtins.genericClosure {
    startSet = [ { key = 1; } ];
    operator = x: if x.key < 3 then [ { key = x.key + 1; } ] else [ ];
  };
}
