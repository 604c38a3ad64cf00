# `map` forces the list, then the function only for a non-empty list.
builtins.map (throw "the function was forced") [ 1 ]
