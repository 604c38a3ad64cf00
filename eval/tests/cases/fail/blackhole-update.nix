let
  s = { k = 1; } // s;
in
s.k
