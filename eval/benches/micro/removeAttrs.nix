# removeAttrs: one construct in a loop (see eval/scripts/micro-vs-reference.sh)
let s = { a = 1; b = 2; c = 3; d = 4; e = 5; }; in builtins.foldl' (acc: i: acc + builtins.length (builtins.attrNames (builtins.removeAttrs s [ "a" "c" ]))) 0 (builtins.genList (i: i) 300000)
