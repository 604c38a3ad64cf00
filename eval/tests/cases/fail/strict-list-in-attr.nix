{ a = [ 1 (throw "deep") ]; }
