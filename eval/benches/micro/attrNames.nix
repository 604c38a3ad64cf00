# attrNames: one construct in a loop (see eval/scripts/micro-vs-reference.sh)
let s = { a = 1; b = 2; c = 3; d = 4; }; in builtins.foldl' (acc: i: acc + builtins.length (builtins.attrNames s)) 0 (builtins.genList (i: i) 1000000)
