# trace, traceVerbose, warn, break and addErrorContext return their value
# (what they print on stderr is not checked here).
[
  (builtins.trace "a trace message" 1)
  (builtins.trace { a = 1; } "traced a set")
  (builtins.traceVerbose "verbose" 2)
  (builtins.warn "a warning" 3)
  (builtins.break 4)
  (builtins.addErrorContext "while testing" 6)
  (builtins.tryEval (builtins.addErrorContext "ctx" (throw "inner"))).success
  (builtins.tryEval (builtins.trace "t" (throw "x"))).success
  (builtins.seq (builtins.trace "forced" null) "after")
]
