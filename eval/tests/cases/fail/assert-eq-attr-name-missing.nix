let
  xa = 0;
in
assert { xb = 1; xc = 1; } == { xa = 1; xb = 1; };
xa
