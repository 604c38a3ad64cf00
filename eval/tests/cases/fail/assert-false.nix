# C++ Nix explains a failed equality assertion (the values that differ) as
# a trace frame; tvix only says the assertion failed.
let x = 1; in assert x == 2; "unreachable"
