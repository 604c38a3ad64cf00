let
  s = { a = 1; };
  l = [ ];
in
s."x${l}"
