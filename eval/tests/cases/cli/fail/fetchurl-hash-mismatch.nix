builtins.fetchurl { url = "file://${toString ./fetchurl-hash-mismatch.nix}"; sha256 = "0000000000000000000000000000000000000000000000000000"; }
