builtins.flakeRefToString {
  type = "sourcehut";
  owner = "~o";
}
