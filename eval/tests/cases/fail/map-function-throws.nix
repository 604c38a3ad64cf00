builtins.map (throw "f") [ 1 ]
