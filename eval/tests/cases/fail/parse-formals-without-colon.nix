# Formals not followed by `:` (bison also takes `@` here).
{ a, b } 1
