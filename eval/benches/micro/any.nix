# any: one construct in a loop (see eval/scripts/micro-vs-reference.sh)
builtins.foldl' (acc: i: if builtins.any (x: x == i) [ 1 2 3 ] then acc + 1 else acc) 0 (builtins.genList (i: i) 500000)
