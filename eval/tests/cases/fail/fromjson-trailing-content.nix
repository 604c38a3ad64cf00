builtins.fromJSON "{} x"
