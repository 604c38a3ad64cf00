# A parenthesis never closed after a complete expression.
(1 + 2
