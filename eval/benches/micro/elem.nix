# elem: one construct in a loop (see eval/scripts/micro-vs-reference.sh)
builtins.foldl' (acc: i: if builtins.elem i [ 1 2 3 4 5 6 7 8 ] then acc + 1 else acc) 0 (builtins.genList (i: i) 1000000)
