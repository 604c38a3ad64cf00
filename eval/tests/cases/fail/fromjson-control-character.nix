builtins.fromJSON "{\"a\":\n  \"b\nc\"}"
