# recAttrs: one construct in a loop (see eval/scripts/micro-vs-reference.sh)
builtins.foldl' (acc: i: acc + (rec { a = i; b = a + 1; c = b; }).c) 0 (builtins.genList (i: i) 500000)
