builtins.readDir ./readdir-file.nix
