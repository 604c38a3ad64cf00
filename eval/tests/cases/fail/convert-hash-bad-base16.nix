builtins.convertHash { hash = "d41d8cd98f00b204e9800998ecf8427g"; hashAlgo = "md5"; toHashFormat = "sri"; }
