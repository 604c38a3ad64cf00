builtins.elemAt (throw "list") (throw "index")
