let s = { b = 2; a = 1; c = 3; }; in {
  names = builtins.attrNames s;
  values = builtins.attrValues s;
  removed = removeAttrs s [ "a" "z" ];
  inter = builtins.intersectAttrs { a = 0; z = 0; } s;
  mapped = builtins.mapAttrs (n: v: n + toString v) s;
  listTo = builtins.listToAttrs [ { name = "x"; value = 1; } { name = "x"; value = 2; } { name = "y"; value = 3; } ];
  zip = builtins.zipAttrsWith (n: vs: vs) [ { a = 1; } { a = 2; b = 3; } ];
  catAttrs = builtins.catAttrs "a" [ { a = 1; } { b = 2; } { a = 3; } ];
  get = builtins.getAttr "b" s;
  has = builtins.hasAttr "z" s;
  update = s // { a = 10; d = 4; };
  fargs = builtins.functionArgs ({ x, y ? 1 }: x);
}
