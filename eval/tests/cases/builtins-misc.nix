{
  fromSorted = builtins.sort (a: b: a > b) [ 3 1 2 ];
  nul = builtins.toJSON null;
  str = builtins.toString 42;
  flr = builtins.floor 2.7;
  bitshift = builtins.bitAnd 255 (builtins.bitOr 256 15);
  attrs = builtins.attrNames (builtins.mapAttrs (k: v: v) { x = 1; y = 2; });
  concat = builtins.concatStringsSep "" (builtins.genList toString 10);
  strict = builtins.foldl' (x: y: x // { ${toString y} = y; }) { } [ 1 2 3 ];
}
