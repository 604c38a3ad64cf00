assert { "a b" = { c = true; }; } == { "a b" = { c = null; }; };
1
