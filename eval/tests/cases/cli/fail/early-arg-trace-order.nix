# Output of arguments a builtin forces in order keeps its order; `trace`
# prints its message before it forces its second argument, and `deepSeq`
# forces the whole first argument first.
builtins.seq (builtins.trace "one" 1) (
  builtins.deepSeq [ (builtins.trace "two" 2) ] (
    builtins.trace "three" (builtins.bitAnd (builtins.trace "four" 4) (throw "five"))
  )
)
