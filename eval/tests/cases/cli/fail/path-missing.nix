builtins.path { path = ./no-such-dir; }
