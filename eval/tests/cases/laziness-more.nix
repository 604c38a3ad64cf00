# What is never forced never fails: bindings, arguments, attribute values,
# list elements, the untaken branch, short-circuit operands, defaults.
let
  unused = throw "unused let binding";
  f = x: y: y;
  s = { a = throw "attr a"; b = 2; } // { c = throw "attr c"; };
  l = map (x: throw "element ${toString x}") [ 1 2 3 ];
  r = rec { x = throw "rec x"; y = 1; z = y + 1; };
  g = { a ? throw "default a", b }: b;
in
[
  (f (throw "argument") 1)
  s.b
  (builtins.attrNames s)
  (builtins.length l)
  r.z
  (g { b = 3; })
  (if true then "then" else throw "else")
  (false && throw "and")
  (true || throw "or")
  (false -> throw "implication")
  ({ a = 1; }.a or (throw "or default"))
  (builtins.tryEval (throw "caught")).success
  (builtins.tryEval { a = throw "shallow"; }).success
  (builtins.seq { a = throw "seq is shallow"; } "seq")
  (let x = [ (throw "x") ]; in builtins.length (x ++ x))
  (builtins.elemAt [ (throw "0") 1 ] 1)
  (builtins.head (builtins.tail [ (throw "h") "second" ]))
  (builtins.isAttrs (builtins.mapAttrs (n: v: throw n) { a = 1; }))
  (builtins.attrNames (builtins.listToAttrs [ { name = "k"; value = throw "v"; } ]))
  (builtins.functionArgs g)
]
