# concatMap: one construct in a loop (see eval/scripts/micro-vs-reference.sh)
builtins.length (builtins.concatMap (x: [ x x ]) (builtins.genList (i: i) 1000000))
