# The lexer refuses the float as it reads it, before the parser meets the
# path with a trailing slash (or a bracket closing the parenthesis).
[ 5.0e-324 ./a//b/ ]
