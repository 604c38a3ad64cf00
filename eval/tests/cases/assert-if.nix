let f = x: assert x > 0; if x > 10 then "big" else "small"; in [ (f 1) (f 20) ]
