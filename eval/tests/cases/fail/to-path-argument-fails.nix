# toPath is C++ coerceToPath, which adds its argument's frame to an error
# forcing the argument (coerceToString does not).
builtins.toPath (abort "ab")
