# <nix/fetchurl.nix> with each way of giving the hash: the .drv and output
# paths it yields (no download happens at evaluation).
let
  fetchurl = import <nix/fetchurl.nix>;
  url = "file:///nonexistent/src/hello-1.0.tar.gz";
  paths = d: { inherit (d) drvPath outPath name; };
in
builtins.map paths [
  (fetchurl { inherit url; sha256 = "0000000000000000000000000000000000000000000000000000"; })
  (fetchurl { inherit url; hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="; })
  (fetchurl { inherit url; sha1 = "0000000000000000000000000000000000000000"; })
  (fetchurl { inherit url; md5 = "00000000000000000000000000000000"; })
  (fetchurl { inherit url; sha512 = "sha512-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="; })
  (fetchurl { inherit url; sha256 = "0000000000000000000000000000000000000000000000000000"; executable = true; })
  (fetchurl { inherit url; sha256 = "0000000000000000000000000000000000000000000000000000"; unpack = true; name = "src"; })
  (fetchurl { inherit url; outputHash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="; outputHashAlgo = ""; system = "x86_64-linux"; })
]
