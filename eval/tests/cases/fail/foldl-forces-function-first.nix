# C++ Nix's foldl' forces the function before the list (even an empty one).
builtins.foldl' 1 0 (throw "the list was forced")
