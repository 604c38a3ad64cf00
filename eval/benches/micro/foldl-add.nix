# foldl-add: one construct in a loop (see eval/scripts/micro-vs-reference.sh)
builtins.foldl' (acc: i: acc + i) 0 (builtins.genList (i: i) 1000000)
