let
  f = last: n: if n == 0 then (if last then throw "end" else g 8) else f last (n - 1);
  g = n: if n == 0 then f true 8 else g (n - 1);
in
f false 8
