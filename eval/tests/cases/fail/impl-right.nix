let a = 1; in
true -> a
