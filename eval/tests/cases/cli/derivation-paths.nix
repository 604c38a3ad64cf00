let d = derivation { name = "hello"; builder = "/bin/sh"; system = "x86_64-linux"; args = [ "-c" "echo" ]; outputs = [ "out" "dev" ]; };
    e = derivation { name = "dep"; builder = "/bin/sh"; system = "x86_64-linux"; src = d.dev; };
    f = derivation { name = "fixed"; builder = "/bin/sh"; system = "x86_64-linux"; outputHash = "sha256-LCa0a2j/xo/5m0U8HTBBNBNCLXBkg7+g+YpeiGJm564="; outputHashMode = "recursive"; };
in [ d.drvPath d.outPath d.dev.outPath e.drvPath e.outPath f.outPath f.drvPath (builtins.attrNames d) ]
