# Which builtins keep the source positions of attributes (C++ `alloc(name)`
# gives none; nixpkgs' module system tests rely on mapAttrs dropping them).
let
  hasPos = n: s: builtins.unsafeGetAttrPos n s != null;
in
{
  literal = hasPos "a" { a = 1; };
  mapAttrs = hasPos "a" (builtins.mapAttrs (n: v: v) { a = 1; });
  update = hasPos "a" ({ a = 1; } // { });
  removeAttrs = hasPos "a" (builtins.removeAttrs { a = 1; b = 2; } [ "b" ]);
  intersectAttrs = hasPos "a" (builtins.intersectAttrs { a = 1; } { a = 2; });
  listToAttrs = hasPos "a" (builtins.listToAttrs [ { name = "a"; value = 1; } ]);
  zipAttrsWith = hasPos "a" (builtins.zipAttrsWith (n: v: v) [ { a = 1; } ]);
  groupBy = hasPos "a" (builtins.groupBy (x: "a") [ 1 ]);
  functionArgs = hasPos "a" (builtins.functionArgs ({ a }: a));
}
