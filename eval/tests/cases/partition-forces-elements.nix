# builtins.partition forces each element before calling the predicate (C++
# Nix's prim_partition), even when the predicate ignores it.
let
  r = builtins.partition (x: true) [ (throw "t") 1 ];
in
[
  (builtins.tryEval (builtins.length r.right))
  (builtins.tryEval (builtins.length (builtins.partition (x: x > 1) [ 1 2 3 ]).wrong))
  (builtins.partition (x: x > 1) [ 3 1 2 ])
]
