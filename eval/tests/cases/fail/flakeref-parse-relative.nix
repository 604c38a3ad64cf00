# Without a base directory, a relative path (or a malformed URL that falls
# back to being a path) is refused.
builtins.parseFlakeRef "github:NixOS/nixpkgs?ref=a&rev=0123456789abcdef0123456789abcdef01234567"
