let
  p = q;
  q = r;
  r = p;
in
{ out = p; }
