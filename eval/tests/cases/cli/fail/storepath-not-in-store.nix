builtins.storePath "/tmp/not-a-store-path"
