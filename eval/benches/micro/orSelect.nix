# orSelect: one construct in a loop (see eval/scripts/micro-vs-reference.sh)
let s = { a = { b = 1; }; }; in builtins.foldl' (acc: i: acc + (s.a.c or s.a.b)) 0 (builtins.genList (i: i) 1000000)
