# builtins.parseFlakeRef on every input type C++ Nix knows (flake ids and
# flake:, github/gitlab/sourcehut, git, path and absolute paths, tarball and
# file URLs, hg), and builtins.flakeRefToString of the attributes (the
# round trip), plus flakeRefToString of hand-written attribute sets.
let
  refs = [
    "nixpkgs"
    "nixpkgs/nixos-24.05"
    "nixpkgs/0123456789abcdef0123456789abcdef01234567"
    "nixpkgs/release/0123456789ABCDEF0123456789abcdef01234567"
    "flake:nixpkgs/ref?dir=d"
    "github:NixOS/nixpkgs/23.05?dir=lib"
    "github:NixOS/nixpkgs/nixos-24.05"
    "github:NixOS/nixpkgs/0123456789abcdef0123456789abcdef01234567"
    "github:NixOS/nixpkgs/feature/x/y"
    "github:NixOS/nixpkgs?ref=main&host=ghe.example.com"
    "github:NixOS/nixpkgs?rev=0123456789abcdef0123456789abcdef01234567&narHash=sha256-47DEQpj8HBSa%2B/TImW%2B5JCeuQeRkm5NMpJWZG3hSuFU="
    "gitlab:veloren/veloren/master"
    "sourcehut:~sircmpwn/hare?host=git.sr.ht"
    "git+https://example.org/repo.git?ref=main&rev=2800a734bec5a84851ad3838c11f1800608fe926"
    "git+https://example.org/repo.git?ref=main&foo=bar&shallow=1&submodules=0&dir=sub"
    "git+ssh://git@github.com/NixOS/nix.git?ref=refs/heads/master"
    "git+file:///home/user/repo?allRefs=1&exportIgnore=1"
    "git+file:relative"
    "git://example.org/r.git?ref=v1.0"
    "git+https:user@host:path"
    "path:/some/dir"
    "path:/some/dir?narHash=sha256-xyz&rev=abc&revCount=3&lastModified=5"
    "path:relative/dir"
    "/abs/path?dir=sub"
    "/abs path/with%20pct"
    "path:/a%20b?dir=c%20d"
    "tarball+https://example.org/x.tar.gz"
    "tarball+https://example.org/x?narHash=&rev=r&revCount=3&lastModified=x&name=n&unpack=1&other=o"
    "file+https://example.org/x.txt"
    "https://example.org/x.txt"
    "http://example.org/x.zip?dir=d"
    "file:///x.tar.gz"
    "https://[::1]:8080/x.tar.gz"
    "hg+https://example.org/repo?rev=0123456789abcdef0123456789abcdef01234567&ref=default&x=1&x=2"
    "hg+file:///repo"
  ];
  parse = s: builtins.parseFlakeRef s;
in
map (s: {
  ref = s;
  attrs = parse s;
  url = builtins.flakeRefToString (parse s);
}) refs
++ [
  (builtins.flakeRefToString {
    type = "github";
    owner = "NixOS";
    repo = "nixpkgs";
    ref = "nixos-24.05";
  })
  (builtins.flakeRefToString {
    type = "path";
    path = "/some/dir";
  })
  (builtins.flakeRefToString {
    type = "indirect";
    id = "nixpkgs";
    ref = "nixos-24.05";
    rev = "0123456789ABCDEF0123456789abcdef01234567";
    dir = "a b";
  })
  (builtins.flakeRefToString {
    type = "path";
    path = "/some dir";
    lastModified = 5;
    revCount = 2;
    rev = "abc";
    narHash = "x";
    __final = true;
  })
  (builtins.flakeRefToString {
    type = "git";
    url = "https://example.org/r.git";
    ref = "main";
    rev = "0123456789abcdef0123456789abcdef01234567";
    shallow = true;
    submodules = true;
    exportIgnore = true;
    allRefs = true;
    lastModified = 3;
    narHash = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
  })
  (builtins.flakeRefToString {
    type = "git";
    url = "/home/user/repo";
  })
  (builtins.flakeRefToString {
    type = "git";
    url = "git@github.com:NixOS/nix.git";
  })
  (builtins.flakeRefToString {
    type = "tarball";
    url = "https://example.org/x.tar.gz?narHash=old";
    narHash = "";
    name = "n";
  })
  (builtins.flakeRefToString {
    type = "file";
    url = "https://example.org/x.txt?dir=q";
    dir = "d";
  })
  (builtins.flakeRefToString {
    type = "hg";
    url = "https://example.org/repo";
    ref = "default";
    rev = "0123456789abcdef0123456789abcdef01234567";
    revCount = 2;
  })
]
