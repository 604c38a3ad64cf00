# genList-unforced: one construct in a loop (see eval/scripts/micro-vs-reference.sh)
builtins.length (builtins.genList (i: i) 1000000)
