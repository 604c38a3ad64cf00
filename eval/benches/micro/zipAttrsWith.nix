# zipAttrsWith: one construct in a loop (see eval/scripts/micro-vs-reference.sh)
let l = builtins.genList (i: { a = i; b = i; c = i; }) 20; in builtins.foldl' (acc: i: acc + (builtins.zipAttrsWith (n: vs: builtins.length vs) l).a) 0 (builtins.genList (i: i) 20000)
