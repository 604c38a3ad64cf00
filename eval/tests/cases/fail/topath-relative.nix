let rel = "a/b"; in
builtins.toPath rel
