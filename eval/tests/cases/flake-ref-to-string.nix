# builtins.flakeRefToString for the GitHub-like types: path and query
# percent-encoded, query sorted (dir, narHash as SRI), rev in base16.
[
  (builtins.flakeRefToString {
    type = "github";
    owner = "NixOS";
    repo = "nixpkgs";
    ref = "23.05";
    dir = "lib";
  })
  (builtins.flakeRefToString {
    type = "gitlab";
    owner = "a b";
    repo = "r";
    ref = "feature/x y";
    dir = "sub dir?";
  })
  (builtins.flakeRefToString {
    type = "github";
    owner = "o";
    repo = "r";
    rev = "0123456789abcdef0123456789abcdef01234567";
    narHash = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
  })
  (builtins.flakeRefToString {
    type = "sourcehut";
    owner = "~o";
    repo = "r";
    host = "git.sr.ht";
    lastModified = 5;
    dir = "";
  })
]
