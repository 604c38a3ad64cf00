# Copying a path to the store ("${./p}") needs a store; plain tvix-eval
# (StdIO) leaves the path as it is.
let x = rec { __overrides = { a = 2; }; a = 1; b = a; }; in [ x.b "${./store-dir.nix}" ]
