let a = 1; b = a + 1; c = { x = b; y = c.x * 2; }; in rec { inherit a b; d = c.y; e = d + a; }
