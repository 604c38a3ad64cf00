builtins.fetchurl "file://${toString ./no-such-file.txt}"
