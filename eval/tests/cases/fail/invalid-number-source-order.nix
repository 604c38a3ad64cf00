# C++ Nix's lexer refuses the first invalid number in source order, though
# `>` evaluates (and we compile) its right operand first.
[ (let c = 5.0e-324; in 1) ] > [ 99999999999999999999 ]
