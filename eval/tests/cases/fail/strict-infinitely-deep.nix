# Printing a set nested without end with --strict: forcing it deeply ends in
# C++ Nix's stack overflow before anything is printed.
let
  f = x: { y = f x; };
in
f 1
