# An unterminated comment: C++ Nix lexes `/*` as `/` and `*`; after an operand the `*` is unexpected.
x: x /* never closed
