# typeOf: one construct in a loop (see eval/scripts/micro-vs-reference.sh)
builtins.foldl' (acc: i: if builtins.typeOf i == "int" then acc + 1 else acc) 0 (builtins.genList (i: i) 1000000)
