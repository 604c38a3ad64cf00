builtins.listToAttrs [ { name = throw "nm"; value = 2; } ]
