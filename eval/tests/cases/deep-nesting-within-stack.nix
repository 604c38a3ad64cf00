# Values nested as deeply as C++ Nix's stack lets each walk go (about
# 83,860 levels for deepSeq, 99,840 for toJSON, 155,300 for coercion to a
# string, 465,920 for `==`): just under each, the walk works.
let
  n = k: builtins.genList (i: i) k;
  lists = k: builtins.foldl' (acc: i: [ acc ]) 0 (n k);
  sets = k: builtins.foldl' (acc: i: { a = acc; }) 0 (n k);
in
[
  (builtins.deepSeq (lists 80000) "deepSeq")
  (builtins.deepSeq (sets 80000) "deepSeq of sets")
  (builtins.stringLength (builtins.toJSON (lists 95000)))
  (toString (builtins.foldl' (acc: i: [ acc ]) [ ] (n 150000)) == "")
  (lists 200000 == lists 200000)
]
