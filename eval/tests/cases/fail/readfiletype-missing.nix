builtins.readFileType ./readfiletype-missing.nix/below-a-file
