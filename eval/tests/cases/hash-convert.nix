# convertHash between every format, with and without hashAlgo.
let h = "sha256-LCa0a2j/xo/5m0U8HTBBNBNCLXBkg7+g+YpeiGJm564="; in
[
  (builtins.convertHash { hash = h; toHashFormat = "base16"; })
  (builtins.convertHash { hash = h; toHashFormat = "nix32"; })
  (builtins.convertHash { hash = h; toHashFormat = "base32"; })
  (builtins.convertHash { hash = h; toHashFormat = "base64"; })
  (builtins.convertHash { hash = h; toHashFormat = "sri"; })
  (builtins.convertHash { hash = "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"; hashAlgo = "sha256"; toHashFormat = "sri"; })
  (builtins.convertHash { hash = "d41d8cd98f00b204e9800998ecf8427e"; hashAlgo = "md5"; toHashFormat = "nix32"; })
  (builtins.convertHash { hash = "sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709"; toHashFormat = "sri"; })
  (builtins.convertHash { hash = builtins.hashString "sha512" ""; hashAlgo = "sha512"; toHashFormat = "base64"; })
  (builtins.tryEval (builtins.convertHash { hash = h; toHashFormat = "base16"; })).success
]
