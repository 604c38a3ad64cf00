# hashFile checks the algorithm (a usage error) before the path, which
# does not exist here.
builtins.hashFile "blake3" ./does-not-exist
