let f = x: if x > 0 then throw "boom" else 1; in
(f 1) && true
