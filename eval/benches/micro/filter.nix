# filter: one construct in a loop (see eval/scripts/micro-vs-reference.sh)
builtins.length (builtins.filter (x: x > 5) (builtins.genList (i: i) 2000000))
