# A path input's rev is shown as C++ gitRev: base 16, whatever encoding it
# was given in (here SHA-1 in nix32, and a prefixed SHA-256).
let
  f = rev: builtins.removeAttrs
    (builtins.fetchTree { type = "path"; path = ./fetch-tree-path-rev.nix; inherit rev; })
    [ "lastModified" "lastModifiedDate" ];
in
[ (f "00000000000000000000000000000000") (f "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=") ]
