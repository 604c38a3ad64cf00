let s = { a = throw "never"; b = 1; }; l = [ (throw "no") 2 ]; in [ s.b (builtins.elemAt l 1) (builtins.length l) (builtins.attrNames s) ]
