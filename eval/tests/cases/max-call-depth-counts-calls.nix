let
  f = n: if n == 0 then 0 else 1 + f (n - 1);
  # Forcing a thunk is not a call: a chain of 3000 thunks, each needing
  # two calls, fits in max-call-depth.
  xs = builtins.genList (i: if i == 0 then 0 else builtins.elemAt xs (i - 1) + 1) 3000;
in
[
  (f 9999)
  (builtins.elemAt xs 2999)
]
