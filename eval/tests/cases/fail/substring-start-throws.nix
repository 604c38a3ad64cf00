builtins.substring (throw "start") 1 "abc"
