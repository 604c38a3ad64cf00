let f = a: b: throw "x"; in
((f) 1) 2
