# A flake without outputs.
builtins.getFlake "path:${toString ./flake-no-outputs}"
