builtins.bitAnd (throw "x") 1
