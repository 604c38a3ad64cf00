# genericClosure: one construct in a loop (see eval/scripts/micro-vs-reference.sh)
builtins.length (builtins.genericClosure { startSet = [ { key = 0; } ]; operator = x: if x.key < 300000 then [ { key = x.key + 1; } ] else [ ]; })
