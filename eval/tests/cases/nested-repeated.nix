let a = { x = 1; }; in { p = a; q = a; r = [ a a ]; }
