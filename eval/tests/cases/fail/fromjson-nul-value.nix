builtins.fromJSON ''{ "ok": "x\u0000y" }''
