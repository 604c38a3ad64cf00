# The lexer's "path has a trailing slash" comes before the parser's view of
# the unclosed parenthesis.
(f ./a//b/ null)
