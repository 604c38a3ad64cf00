# A builtin that checks its first argument's type before forcing the second
# reports the type error without forcing the second one: no trace output
# (tvix evaluates such arguments before the call, and stops at the mismatch).
builtins.bitAnd "x" (builtins.trace "the second argument was forced" 1)
