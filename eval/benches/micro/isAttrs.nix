# isAttrs: one construct in a loop (see eval/scripts/micro-vs-reference.sh)
builtins.foldl' (acc: x: if builtins.isAttrs x then acc + 1 else acc) 0 (builtins.genList (i: { }) 1000000)
