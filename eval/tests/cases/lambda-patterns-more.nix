# Lambda patterns: defaults referring to other formals, @ on either side,
# ... and what the @ set contains.
let
  f = { a, b ? a * 2, c ? b + 1 }: [ a b c ];
  g = args@{ a, b ? 5, ... }: [ a b (builtins.attrNames args) ];
  h = { a ? 1, ... }@args: args;
  k = { }: "empty pattern";
  l = { ... }: "only ellipsis";
  m = x: { y }: x + y;
  n = { a ? throw "unused default" }: "lazy default";
  o = { a, b ? a }@s: [ a b (s ? b) ];
in
[
  (f { a = 1; })
  (f { a = 1; c = 0; })
  (g { a = 1; z = 2; })
  (h { })
  (h { b = 2; })
  (k { })
  (l { x = 1; })
  (m 1 { y = 2; })
  (n { a = 1; })
  (o { a = 1; })
  (builtins.functionArgs f)
  (builtins.functionArgs g)
  (builtins.functionArgs m)
  ((x: y: x) 1 2)
]
