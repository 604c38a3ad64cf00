# The trace quotes <nix/derivation-internal.nix> at C++ Nix's line numbers,
# without a frame for its `strict.drvPath` (C++ Nix leaves that one out),
# then derivationStrict's frames for the duplicate output.
(derivation { name = "d"; builder = "/bin/sh"; system = "x"; outputs = [ "out" "out" ]; }).drvPath
