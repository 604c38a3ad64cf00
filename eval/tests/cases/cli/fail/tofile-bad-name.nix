builtins.toFile "bad/name" "contents"
