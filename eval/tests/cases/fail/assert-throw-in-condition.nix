let f = x: assert x.y; x; in
f { y = throw "inner"; }
