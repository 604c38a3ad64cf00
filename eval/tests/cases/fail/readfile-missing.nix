builtins.hashFile "sha256" ./this-file-does-not-exist
