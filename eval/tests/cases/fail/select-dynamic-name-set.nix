let
  names = { n = { }; };
  s = { a = 1; };
in
s.${names.n}
