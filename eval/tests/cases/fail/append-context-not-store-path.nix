builtins.appendContext "a" { "/foo" = { path = true; }; }
