# C++ Nix reports the missing 'name' while forcing outPath (first in its
# derivation.nix); tvix forces drvPath first, a different frame.
derivation { builder = "/bin/sh"; system = "x"; }
