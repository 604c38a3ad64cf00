# builtins.storeDir comes from the store (tvix-glue), not from tvix-eval.
builtins.storeDir
