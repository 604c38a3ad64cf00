# Formals are sorted by symbol id: the first missing argument reported is
# `name` (interned at start-up), not `zz`.
({ zz, name }: 1) { }
