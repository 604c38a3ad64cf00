# `[ ]` is never delayed (C++ ExprList::maybeThunk): it is a list here,
# while `[ 1 ]` would still be a thunk.
builtins.flakeRefToString {
  type = "github";
  owner = "o";
  repo = [ ];
}
