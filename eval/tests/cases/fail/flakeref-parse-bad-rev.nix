builtins.parseFlakeRef "nixpkgs/release/24.05"
