# mapAttrs: one construct in a loop (see eval/scripts/micro-vs-reference.sh)
let s = builtins.listToAttrs (builtins.genList (i: { name = "a${toString i}"; value = i; }) 50); in builtins.foldl' (acc: i: acc + builtins.length (builtins.attrValues (builtins.mapAttrs (n: v: v + i) s))) 0 (builtins.genList (i: i) 20000)
