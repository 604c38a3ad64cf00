let s = "a"; in
s + 1
