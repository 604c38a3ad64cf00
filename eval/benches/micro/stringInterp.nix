# stringInterp: one construct in a loop (see eval/scripts/micro-vs-reference.sh)
builtins.foldl' (acc: i: acc + builtins.stringLength "x${toString i}y") 0 (builtins.genList (i: i) 500000)
