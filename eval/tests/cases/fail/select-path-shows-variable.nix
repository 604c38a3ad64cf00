let
  k = 5;
  s = { inner = { x = 1; }; };
in
s.inner.${k}
