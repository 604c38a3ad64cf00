# More than libstdc++'s 100000 NFA states (error_space).
builtins.match "(ab){50000}" "ab"
