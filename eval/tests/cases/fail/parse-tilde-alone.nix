# A `~` alone is no token C++ Nix's lexer knows: bison's "invalid
# token".
# (three comment lines keep the error on line 4)
~
