# The printed result is a copy of the variable's cell, so the list inside it
# (the variable's own cell) is printed once more before «repeated».
let
  x = [ x ];
in
x
