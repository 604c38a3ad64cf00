# seq: one construct in a loop (see eval/scripts/micro-vs-reference.sh)
builtins.foldl' (acc: x: builtins.seq x (acc + x)) 0 (builtins.genList (i: i) 1000000)
