let a = 1; s = { x = 1; }; in
!(let b = 2; in b)
