# The operands of `-`, `*`, `/` and `<` are arguments of a builtin call in
# C++ Nix: a variable is passed as its value, and the infinite recursion
# found forcing it has no position (`+` evaluates its operands itself).
let
  b = c + 1;
  c = d * 2;
  d = e - 1;
  e = if f < 0 then b else 1;
  f = -b;
in
b
