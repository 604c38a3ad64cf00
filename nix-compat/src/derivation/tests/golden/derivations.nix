# Derivations whose .drv files and `nix derivation show` JSON are the golden
# files next to this file. See README.md for how they are generated.
let
  mk = attrs: derivation ({ builder = "/bin/sh"; system = "x86_64-linux"; } // attrs);

  # A fixed-output derivation for every algorithm, mode and hash encoding.
  fod = name: algo: mode: hash: mk ({
    inherit name;
    outputHash = hash;
    outputHashMode = mode;
  } // (if algo == null then { } else { outputHashAlgo = algo; }));

  latin1 = builtins.readFile ./latin1.txt;

  basic = mk { name = "basic"; args = [ "-c" "echo hello > $out" ]; };
  multi = mk { name = "multi"; outputs = [ "out" "lib" "dev" ]; };
  fodSha256Nar = fod "fod-sha256-nar-hex" "sha256" "recursive"
    "0c36b8ad8b7b9ed8dd4fcb1f1e9b5d5e5f5e1c8e1a7c2a6b8e0d4f9a7c3b2e1d";
in
{
  inherit basic multi;

  # Outputs listed in another order than the sorted one: the `outputs`
  # variable keeps the user's order, the ATerm is sorted.
  multi-unsorted = mk { name = "multi-unsorted"; outputs = [ "lib" "out" "bin" ]; };

  # A single output that is not `out`.
  only-lib = mk { name = "only-lib"; outputs = [ "lib" ]; };

  # Fixed outputs: flat and recursive, every algorithm, every encoding.
  fod-md5-flat-hex = fod "fod-md5-flat-hex" "md5" "flat" "d41d8cd98f00b204e9800998ecf8427e";
  fod-sha1-flat-nix32 = fod "fod-sha1-flat-nix32" "sha1" "flat" "1xqs5lngbcdlqh4wqd3a1yflq2yjfswf";
  fod-sha256-flat-base64 = fod "fod-sha256-flat-base64" "sha256" "flat"
    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
  fod-sha512-flat-sri = fod "fod-sha512-flat-sri" null "flat"
    "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==";
  fod-sha256-flat-prefixed = fod "fod-sha256-flat-prefixed" null "flat"
    "sha256:1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s";
  fod-md5-nar-hex = fod "fod-md5-nar-hex" "md5" "recursive" "0123456789abcdef0123456789abcdef";
  fod-sha1-nar-sri = fod "fod-sha1-nar-sri" null "nar" "sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk=";
  fod-sha256-nar-hex = fodSha256Nar;
  fod-sha256-nar-nix32 = fod "fod-sha256-nar-nix32" "sha256" "recursive"
    "0hm2f1psjpcwg8fijsmr4wwxrx59s092sf2r8j6ryj68ap7ammn7";
  fod-sha512-nar-base64 = fod "fod-sha512-nar-base64" "sha512" "recursive"
    "z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==";
  # No outputHashMode at all means flat.
  fod-default-mode = mk {
    name = "fod-default-mode";
    outputHash = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
  };
  # An empty hash with an algorithm is the all-zero hash (C++ Nix warns).
  fod-empty-hash = fod "fod-empty-hash" "sha256" "flat" "";

  # Structured attributes: everything goes into `__json`.
  structured = mk {
    name = "structured";
    __structuredAttrs = true;
    outputs = [ "out" "dev" ];
    int = 42;
    float = 1.5;
    bool = true;
    null = null;
    list = [ 1 "two" [ 3 ] { four = 4; } ];
    nested = { a.b.c = "deep"; "key with \"quote\"" = "value\nwith\tcontrol\\chars"; };
    unicode = "räksmörgås 🌮";
    dependency = "${basic}";
  };

  # passAsFile: an ordinary environment variable as far as the .drv goes.
  pass-as-file = mk {
    name = "pass-as-file";
    passAsFile = [ "big" ];
    big = "a large value\nover two lines";
  };

  # Values that need escaping in env values, args, builder, and env keys.
  escapes = mk ({
    name = "escapes";
    builder = "/bin/sh \"quoted\" \\ back";
    args = [ "" "with \"quotes\"" "back\\slash" "new\nline" "tab\there" "cr\rhere" "$dollar" ];
    quotes = "\"double\" 'single'";
    backslashes = "\\ \\\\ \\n";
    newlines = "line1\nline2\n\nline4\n";
    tabs = "\ttab\t";
    cr = "cr\r\nlf";
    unicode = "räksmörgås\nrødgrød med fløde\nLübeck\n肥猪\nこんにちは / 今日は\n🌮\n";
    control = builtins.fromJSON ''"bell\u0007 unit-separator\u001f delete\u007f"'';
  } // builtins.listToAttrs [
    { name = "key with \"quote\" and \\ backslash"; value = "k1"; }
    { name = "key\nwith\tcontrols"; value = "k2"; }
    { name = "ünïcödé-key"; value = "k3"; }
  ]);

  # A system with a newline and a tab: written raw (unescaped) by C++ Nix.
  raw-system = mk { name = "raw-system"; system = "x86\n64\tlinux"; };

  # Non-UTF-8 bytes (latin1) in an env value, the builder, an argument and a
  # key. C++ Nix writes them as they are; `nix derivation show` fails on them.
  latin1-value = mk { name = "latin1-value"; chars = latin1; };
  latin1-everywhere = mk ({
    name = "latin1-everywhere";
    builder = latin1;
    system = latin1;
    args = [ latin1 ];
  } // builtins.listToAttrs [ { name = latin1; value = "v"; } ]);

  # Placeholders for outputs, in env and args.
  placeholders = mk {
    name = "placeholders";
    outputs = [ "out" "lib" ];
    args = [ "-c" "echo ${builtins.placeholder "lib"}" ];
    libDir = "${builtins.placeholder "lib"}/lib";
    self = builtins.placeholder "out";
  };

  # Dependencies: on outputs of input-addressed derivations, on a fixed-output
  # derivation, and a chain of three.
  depends-on-outputs = mk {
    name = "depends-on-outputs";
    lib = "${multi.lib}";
    dev = multi.dev;
    basic = basic;
  };
  depends-on-fod = mk { name = "depends-on-fod"; src = fodSha256Nar; };
  chain =
    let
      a = mk { name = "chain-a"; };
      b = mk { name = "chain-b"; a = a; outputs = [ "out" "doc" ]; };
    in
    mk { name = "chain-c"; b = b.doc; a = a; };

  # Two fixed-output derivations with the same output (same name and hash, different
  # builders): different .drv files whose hash modulo is equal, so the two
  # input derivations merge into one entry when hashing the dependent.
  same-fod-twice =
    let
      f1 = mk { name = "same-fod"; outputHash = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="; };
      f2 = mk { name = "same-fod"; outputHash = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="; builder = "/bin/bash"; };
    in
    mk { name = "same-fod-twice"; a = f1; b = f2; };

  # Input sources: a text file from toFile, a copied path, and a whole
  # derivation's closure through `drvPath` (deep context: the .drv and its
  # inputs become input sources and input derivations).
  sources = mk {
    name = "sources";
    text = builtins.toFile "hello.txt" "hello, world\n";
    file = ./source.txt;
    fileStr = "${./source.txt}";
  };
  deep-drv-context = mk { name = "deep-drv-context"; drv = (mk { name = "deep-inner"; dep = basic; }).drvPath; };

  # Attribute value conversions without structured attrs.
  conversions = mk {
    name = "conversions";
    true = true;
    false = false;
    null = null;
    int = -7;
    float = 3.25;
    list = [ 1 "a" true false null [ "x" "y" ] 2.5 ];
    empty = "";
  };
  ignore-nulls = mk { name = "ignore-nulls"; __ignoreNulls = true; gone = null; kept = "yes"; };

  # Long names: the .drv name at the 211-character limit.
  long-name = mk { name = builtins.concatStringsSep "" (builtins.genList (_: "x") 207); };

  # An empty output name, which C++ Nix accepts in derivationStrict.
  empty-output-name = builtins.derivationStrict {
    name = "empty-output-name";
    builder = "/bin/sh";
    system = "x86_64-linux";
    __structuredAttrs = true;
    outputs = [ "" ];
  };
}
