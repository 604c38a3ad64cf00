# with: one construct in a loop (see eval/scripts/micro-vs-reference.sh)
let s = { a = 1; b = 2; }; in builtins.foldl' (acc: i: acc + (with s; a + b)) 0 (builtins.genList (i: i) 1000000)
