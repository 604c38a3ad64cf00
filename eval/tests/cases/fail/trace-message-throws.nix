builtins.trace (throw "msg") 1
