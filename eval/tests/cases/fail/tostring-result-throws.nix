# An error forcing the result of `__toString` gets no "while evaluating the
# result of the `__toString` attribute" frame: C++ Nix adds that context
# only where coerceToString adds its own (a value it cannot coerce).
let s = { __toString = self: throw "no string"; }; in "${s}"
