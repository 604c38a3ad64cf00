let f = { a, b ? a + 1, ... }@args: [ a b (builtins.attrNames args) ]; g = x: y: x - y; in [ (f { a = 1; }) (f { a = 1; b = 5; c = 0; }) (g 10 3) ]
