let s = { a.b = 1; }; in [ (s.a.b or 0) (s.a.c or 2) (s ? a.b) (s ? a.c) (s.x.y or "d") ]
