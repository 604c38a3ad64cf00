builtins.fromJSON "[1, tru]"
