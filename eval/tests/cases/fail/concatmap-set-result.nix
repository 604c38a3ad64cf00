# concatMap reports a result that is not a list at the result's own
# position (C++ `determinePos`): a set literal's, not the function's.
builtins.concatMap (x: {
  a = x;
}) [ 1 ]
