builtins.toFile "x" (derivation { name = "d"; builder = "/bin/sh"; system = "x"; }).drvPath
