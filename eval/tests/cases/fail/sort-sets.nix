builtins.sort builtins.lessThan [ { } { } ]
