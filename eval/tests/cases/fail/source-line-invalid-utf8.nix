let
  s = "café ÿ";
in throw "no"
