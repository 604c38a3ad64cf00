builtins.fromJSON "[1] ]"
