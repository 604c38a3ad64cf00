builtins.readFileType ./no-such-path
