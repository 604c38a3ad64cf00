let f = builtins.elemAt [ 1 ]; in
f 3
