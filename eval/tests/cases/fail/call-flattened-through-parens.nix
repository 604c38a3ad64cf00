let f = a: b: c: throw "ccc"; in
(f 1 2) 3
