# hashString's unknown algorithm is C++ Nix's parseHashAlgo usage error
# (with the list of known algorithms), not its own EvalError.
builtins.hashString "sha3" "x"
