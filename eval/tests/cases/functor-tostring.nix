let c = { n = 3; __functor = self: x: self.n * x; }; s = { __toString = self: "str"; }; in [ (c 4) "${s}" (toString s) ]
