builtins.listToAttrs [ { value = 2; } ]
