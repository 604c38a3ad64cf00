# addErrorContext frames appear in the trace (with --show-trace).
let
  inner = builtins.addErrorContext "while doing the inner thing" (throw "inner failure");
in
builtins.addErrorContext "while doing the outer thing" (inner + 1)
