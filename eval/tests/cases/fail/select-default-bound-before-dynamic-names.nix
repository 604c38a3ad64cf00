# C++ ExprSelect binds its default before the dynamic attribute names: e2
# is the undefined variable reported.
x: x.${e1} or e2
