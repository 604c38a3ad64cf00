# C++ Nix's parser makes `a > b` a call `__lessThan b a`: the variables of
# b are looked up first, so e2 is the undefined one reported.
x: (e1 > e2)
