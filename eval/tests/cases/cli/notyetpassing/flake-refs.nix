# tvix has no getFlake, parseFlakeRef or flakeRefToString yet.
# getFlake of a flake without inputs in fixtures/flake (a path: flake), and
# parseFlakeRef / flakeRefToString on references that need no network.
let
  f = builtins.getFlake "path:${toString ../../fixtures/flake}";
in
[
  f.value
  f.hasSelf
  f.outPath
  f.narHash
  (builtins.attrNames f)
  (builtins.parseFlakeRef "github:NixOS/nixpkgs/nixos-24.05")
  (builtins.parseFlakeRef "git+https://example.org/repo.git?ref=main&rev=2800a734bec5a84851ad3838c11f1800608fe926")
  (builtins.parseFlakeRef "path:/some/dir")
  (builtins.flakeRefToString { type = "github"; owner = "NixOS"; repo = "nixpkgs"; ref = "nixos-24.05"; })
  (builtins.flakeRefToString { type = "path"; path = "/some/dir"; })
  (builtins.flakeRefToString (builtins.parseFlakeRef "tarball+https://example.org/x.tar.gz"))
]
