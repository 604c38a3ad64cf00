builtins.readDir "relative/path"
