# C++ Nix parses the whole file before it looks variables up: the invalid
# float, although after the undefined variable, is the error reported.
[ undefinedVariable 5.0e-324 ]
