# `__overrides` in a rec set, and a path copied to the store ("${./p}"),
# which needs the store the tvix binary has (tvix-eval alone has none).
let x = rec { __overrides = { a = 2; }; a = 1; b = a; }; in [ x.b "${./store-dir.nix}" ]
