# derivationStrict, placeholder, unsafeDiscardOutputDependency and
# addDrvOutputDependencies.
let
  attrs = { name = "strict"; builder = "/bin/sh"; system = "x86_64-linux"; outputs = [ "out" "lib" ]; };
  s = builtins.derivationStrict attrs;
  d = derivation attrs;
  withPlaceholder = builtins.derivationStrict { name = "ph"; builder = "/bin/sh"; system = "x86_64-linux"; cmd = "echo > ${builtins.placeholder "out"}"; };
  discarded = builtins.unsafeDiscardOutputDependency d.drvPath;
  plain = builtins.unsafeDiscardStringContext d.drvPath;
  added = builtins.addDrvOutputDependencies discarded;
in
[
  s
  (d.drvPath == s.drvPath)
  ((builtins.derivation attrs).outPath == d.outPath)
  (d.out.outPath == s.out)
  (builtins.placeholder "out")
  (builtins.placeholder "lib")
  withPlaceholder
  (builtins.getContext d.drvPath)
  (builtins.getContext discarded)
  (builtins.getContext added)
  (discarded == d.drvPath)
  (builtins.getContext (builtins.unsafeDiscardOutputDependency "no context"))
  (builtins.getContext (builtins.appendContext plain { ${plain} = { outputs = [ "lib" ]; }; }))
  (builtins.getContext (builtins.appendContext plain { ${plain} = { path = true; allOutputs = true; }; }))
]
