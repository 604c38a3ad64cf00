# A set built by a builtin has no position: the error has none either.
builtins.concatMap (x: builtins.listToAttrs [ ]) [ 1 ]
