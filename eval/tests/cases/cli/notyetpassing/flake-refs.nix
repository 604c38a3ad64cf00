# tvix has no getFlake yet.
# getFlake of a flake without inputs in fixtures/flake (a path: flake).
# (Its parseFlakeRef / flakeRefToString checks are in ../../flake-refs-parse.nix.)
let
  f = builtins.getFlake "path:${toString ../../fixtures/flake}";
in
[
  f.value
  f.hasSelf
  f.outPath
  f.narHash
  (builtins.attrNames f)
]
