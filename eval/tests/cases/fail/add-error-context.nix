builtins.addErrorContext "while checking the golden context" (throw "inner failure")
