# An unknown algorithm prefix in outputHash is C++ parseHashAlgo's usage
# error (with the nix-instantiate usage hint), under outPath's frames in
# <nix/derivation-internal.nix> at C++ Nix's line numbers.
derivation { name = "a"; system = "x"; builder = "/b"; outputHash = "foo:abc"; }
