let s = { a = 1; b = { c = 2; }; }; in { inherit (s) a; inherit (s.b) c; inherit s; }
