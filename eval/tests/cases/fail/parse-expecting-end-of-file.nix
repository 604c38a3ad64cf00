# Text after a complete expression.
{ a = 1; } )
