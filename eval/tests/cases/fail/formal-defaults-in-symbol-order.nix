# Defaults are bound in symbol-id order: `name`'s default (the variable
# zz) is a thunk, `zz`'s is that same thunk, so the recursion is found at
# the `zz` in `name`'s default.
({ zz ? name, name ? zz }: zz) { }
