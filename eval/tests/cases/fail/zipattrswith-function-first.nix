builtins.zipAttrsWith 1 [ { a = 1; } ]
