builtins.match (throw "re") "a"
