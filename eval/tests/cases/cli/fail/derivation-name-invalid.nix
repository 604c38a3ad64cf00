# The trace quotes <nix/derivation-internal.nix> at C++ Nix's line numbers,
# without a frame for its `strict.drvPath` (C++ Nix leaves that one out),
# then the name check's error.
(derivation { name = "a b"; builder = "/bin/sh"; system = "x"; }).drvPath
