# addErrorContext: one construct in a loop (see eval/scripts/micro-vs-reference.sh)
builtins.foldl' (acc: x: acc + builtins.addErrorContext "while foo" x) 0 (builtins.genList (i: i) 1000000)
