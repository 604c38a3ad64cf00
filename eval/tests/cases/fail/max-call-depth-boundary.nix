# With the default max-call-depth (10000), only calls count (the `-` is a
# call of __sub): f 9999 fits, f 10000 does not.
let
  f = n: if n == 0 then 0 else 1 + f (n - 1);
in
f 10000
