builtins.fromJSON ''{ "k\u0000": 2 }''
