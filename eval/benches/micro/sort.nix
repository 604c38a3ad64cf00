# sort: one construct in a loop (see eval/scripts/micro-vs-reference.sh)
builtins.length (builtins.sort (a: b: a < b) (builtins.genList (i: (i * 7919) - (i * 7919 / 10007) * 10007) 200000))
