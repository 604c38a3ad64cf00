# attrsPattern: one construct in a loop (see eval/scripts/micro-vs-reference.sh)
let f = { a, b ? 2, ... }: a + b; in builtins.foldl' (acc: i: acc + f { a = i; c = 3; }) 0 (builtins.genList (i: i) 1000000)
