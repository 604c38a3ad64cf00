let s = { a = 1; }; in
with s; with 2; a
