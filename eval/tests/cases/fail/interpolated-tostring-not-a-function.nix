# Calling a __toString that is not a function is not coerceToString's own
# error: no "while evaluating a path segment" frame.
"${{ __toString = "a,b,c"; }}"
