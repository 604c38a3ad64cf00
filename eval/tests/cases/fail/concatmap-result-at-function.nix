builtins.concatMap (x: 1) [ 1 ]
