builtins.flakeRefToString {
  type = "github";
  owner = "o";
  repo = 7;
  dir = "d";
}
