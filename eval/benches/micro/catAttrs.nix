# catAttrs: one construct in a loop (see eval/scripts/micro-vs-reference.sh)
builtins.foldl' (acc: i: acc + builtins.length (builtins.catAttrs "a" [ { a = 1; } { b = 2; } { a = 3; } ])) 0 (builtins.genList (i: i) 500000)
