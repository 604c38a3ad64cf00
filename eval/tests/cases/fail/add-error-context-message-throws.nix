builtins.addErrorContext (throw "message fails") (throw "original")
