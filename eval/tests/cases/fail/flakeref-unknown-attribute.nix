builtins.flakeRefToString {
  type = "gitlab";
  owner = "o";
  repo = "r";
  zzz = 1;
  foo = true;
}
