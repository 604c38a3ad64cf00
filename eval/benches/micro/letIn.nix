# letIn: one construct in a loop (see eval/scripts/micro-vs-reference.sh)
builtins.foldl' (acc: i: acc + (let a = i; b = a + 1; in b)) 0 (builtins.genList (i: i) 1000000)
