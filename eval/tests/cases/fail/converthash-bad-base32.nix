builtins.convertHash { hash = "emdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73"; hashAlgo = "sha256"; toHashFormat = "base16"; }
