# C++ Nix shows the assertion condition as its parser desugared it
# ((__lessThan 2 x)); tvix shows the source text.
let x = 1; in assert x > 2; "unreachable"
