# A flake with an attribute other than description, inputs, outputs, nixConfig.
builtins.getFlake "path:${toString ./flake-unsupported}"
