let compose = f: g: x: f (g x); inc = x: x + 1; dbl = x: x * 2; in map (compose inc dbl) [ 1 2 3 ]
