builtins.genericClosure { startSet = [ { key = null; } ]; operator = x: if x.key == null then [ { key = { }; } ] else [ ]; }
