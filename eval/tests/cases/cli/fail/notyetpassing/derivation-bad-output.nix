# The trace goes through C++ Nix's derivation.nix (its own lines and
# positions); tvix's <nix/derivation-internal.nix> differs, and forces
# drvPath where C++ Nix forces outPath first.
(derivation { name = "d"; builder = "/bin/sh"; system = "x"; outputs = [ "out" "out" ]; }).drvPath
