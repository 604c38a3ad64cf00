builtins.listToAttrs [ { name = "n"; } ]
