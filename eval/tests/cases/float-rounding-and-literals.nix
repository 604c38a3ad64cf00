# floor/ceil out of the integer range (or of NaN) give the smallest integer,
# as C++ Nix 2.26's conversion does; literals that underflow to exactly zero
# from a zero mantissa are fine.
[
  (builtins.ceil 1.0e30)
  (builtins.floor (-9.3e18))
  (builtins.ceil 9.2e18)
  (builtins.floor (-0.0))
  (builtins.ceil (-0.5))
  0.0e999999
  2.3e-308
]
