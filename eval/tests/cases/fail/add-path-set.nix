let p = ./foo; in
p + { }
