# import and scopedImport of files, a directory's default.nix, and strings.
let
  v = import ./fixtures/value.nix;
  s = builtins.scopedImport { x = "x from scope"; z = 1; } ./fixtures/scoped.nix;
  s2 = builtins.scopedImport { x = 2; z = [ ]; toString = n: "shadowed ${builtins.toString n}"; } ./fixtures/scoped.nix;
in
[
  v.v
  v.l
  (import ./fixtures/withdefault)
  (builtins.import ./fixtures/value.nix).v
  (import (toString ./fixtures/value.nix)).v
  (import ./fixtures/value.nix == import ./fixtures/value.nix)
  s
  s2
  (builtins.typeOf import)
  (builtins.typeOf builtins.scopedImport)
]
