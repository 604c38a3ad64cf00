# update: one construct in a loop (see eval/scripts/micro-vs-reference.sh)
builtins.foldl' (acc: i: acc + (({ a = i; b = 2; } // { c = 3; }).a)) 0 (builtins.genList (i: i) 1000000)
