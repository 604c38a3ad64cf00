# builtins.getFlake of path: flakes: fixtures/flake has no inputs;
# fixtures/flake-inputs has inputs locked in its flake.lock (relative path
# inputs, a `follows`, a non-flake input) and a flake in a subdirectory
# (`?dir=`). The lock file was written by the reference:
#   nix flake lock path:$PWD/eval/tests/cases/fixtures/flake-inputs
# (Its parseFlakeRef / flakeRefToString checks are in ../flake-refs-parse.nix.)
let
  f = builtins.getFlake "path:${toString ../fixtures/flake}";
  g = builtins.getFlake "path:${toString ../fixtures/flake-inputs}";
  h = builtins.getFlake "path:${toString ../fixtures/flake-inputs}?dir=nested";
in
[
  f.value
  f.hasSelf
  f.outPath
  f.narHash
  (builtins.attrNames f)
  g.outputs
  (builtins.attrNames g.inputs)
  (builtins.attrNames g.inputs.left.inputs)
  g.inputs.left.inputs.shared.outPath
  g.inputs.data.outPath
  (builtins.attrNames g.inputs.data)
  g.sourceInfo.narHash
  h.outputs
  h.outPath
]
