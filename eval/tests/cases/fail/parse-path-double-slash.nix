# A path with an empty segment: C++ Nix's lexer ends the path before it
# (PATH_END) where an interpolation could follow; rnix makes the whole
# path an error token, which tvix words as bison does.
/a//b
