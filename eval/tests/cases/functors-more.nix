# __functor, __toString and outPath in calls, builtins and coercions.
let
  counter = { n = 0; __functor = self: x: self // { n = self.n + x; }; };
  adder = { k = 10; __functor = self: x: x + self.k; };
  curried = { __functor = self: a: b: a * b; };
  named = { name = "n"; __toString = self: "<${self.name}>"; };
  drvLike = { outPath = "/some/path"; };
  both = { outPath = "/out"; __toString = self: "to-string wins"; };
in
[
  (counter 1 2 3).n
  (adder 5)
  (map adder [ 1 2 ])
  (curried 6 7)
  (builtins.isFunction adder)
  (builtins.isAttrs adder)
  (builtins.typeOf curried)
  "${named}"
  (toString named)
  ("prefix " + toString named)
  (builtins.concatStringsSep "," [ (toString named) "x" ])
  "${drvLike}"
  (toString drvLike)
  "${both}"
  (toString { __toString = self: 42; })
  (builtins.foldl' (acc: f: f acc) 0 [ adder adder ])
  (builtins.sort (a: b: a < b) (map adder [ 3 1 2 ]))
]
