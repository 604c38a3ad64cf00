# listConcat: one construct in a loop (see eval/scripts/micro-vs-reference.sh)
builtins.length (builtins.foldl' (acc: i: if i - (i / 100) * 100 == 0 then [ i ] else acc ++ [ i ]) [ ] (builtins.genList (i: i) 300000))
