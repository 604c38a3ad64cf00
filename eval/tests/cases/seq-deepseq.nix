let x = { a = 1; b = [ 2 3 ]; }; in [ (builtins.seq x 1) (builtins.deepSeq x 2) ]
