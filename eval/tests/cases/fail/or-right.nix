let a = 1; in
false || a
