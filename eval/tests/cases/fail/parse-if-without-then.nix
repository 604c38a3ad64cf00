# `if` whose condition runs into `else`.
if true 1 else 2
