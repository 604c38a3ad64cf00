# An unknown algorithm prefix in outputHash is C++ parseHashAlgo's usage
# error (with the nix-instantiate usage hint). Not yet passing: the trace
# quotes C++ Nix's <nix/derivation-internal.nix>, whose line numbers ours
# does not have.
derivation { name = "a"; system = "x"; builder = "/b"; outputHash = "foo:abc"; }
