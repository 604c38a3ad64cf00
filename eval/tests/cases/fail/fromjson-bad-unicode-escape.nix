builtins.fromJSON "[\"\\u12G4\"]"
