# C++ Nix writes a symbol into a message as an identifier, quoted as a
# string when it is not one.
{ a = 1; }."1 a"
