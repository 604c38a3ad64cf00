builtins.readDir ./readdir-not-directory.nix
