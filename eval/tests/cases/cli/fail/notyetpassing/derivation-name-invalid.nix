# The trace goes through C++ Nix's derivation.nix (its own lines and
# positions); tvix's <nix/derivation-internal.nix> differs, and forces
# drvPath where C++ Nix forces outPath first.
(derivation { name = "a b"; builder = "/bin/sh"; system = "x"; }).drvPath
