builtins.getEnv (throw "name")
