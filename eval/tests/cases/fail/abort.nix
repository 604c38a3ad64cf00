builtins.abort "stop here"
