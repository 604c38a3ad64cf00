# Builtins called directly with arguments they force first (tvix evaluates
# those before the call): laziness and results stay those of C++ Nix.
let
  lazyFn = throw "the function was forced";
  self = [ self 1 ];
in
{
  mapEmpty = builtins.map lazyFn [ ];
  filterEmpty = builtins.filter lazyFn [ ];
  sortEmpty = builtins.sort lazyFn [ ];
  mapAttrsLazy = builtins.attrNames (builtins.mapAttrs lazyFn { a = 1; });
  seq = builtins.seq (1 + 1) (2 * 3);
  elemAt = builtins.elemAt [ 10 (throw "not this one") 30 ] (1 + 1);
  caught = builtins.tryEval (builtins.bitAnd (throw "x") 1);
  caughtSecond = builtins.tryEval (builtins.bitOr 1 (throw "y"));
  hasAttr = builtins.hasAttr ("a" + "b") { ab = null; };
  getAttr = builtins.getAttr (builtins.concatStringsSep "" [ "a" "b" ]) { ab = 3; };
  concat = builtins.concatStringsSep ("," + " ") (builtins.genList toString 3);
  selfLength = builtins.length (builtins.head self);
  nested = builtins.bitXor (builtins.bitAnd 12 10) (builtins.bitOr 1 2);
  fold = builtins.foldl' builtins.add 0 (builtins.genList (i: i * i) 10);
  compare = builtins.compareVersions ("1." + "2") "1.10";
  lessThan = builtins.lessThan (builtins.length [ 1 ]) 2;
}
