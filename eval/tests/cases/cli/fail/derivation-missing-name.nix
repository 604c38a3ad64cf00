# --strict forces outPath before drvPath (outPath's symbol id is lower in
# C++ Nix), so the missing 'name' is reported under outPath's frames.
derivation { builder = "/bin/sh"; system = "x"; }
