# tryEval does not catch abort.
builtins.tryEval (abort "not caught")
