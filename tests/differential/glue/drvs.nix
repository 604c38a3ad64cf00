# Hand-written derivations for tests/differential/glue.rs: every attribute
# rule of derivationStrict that changes a .drv, sources copied into the store
# (`"${path}"`, builtins.path with filter / flat / name, filterSource) and
# toFile with references. `src` is a directory the test creates (see there).
{ src }:
let
  srcPath = /. + src;
  sys = "x86_64-linux";
  mk = attrs: derivation ({ builder = "/bin/sh"; system = sys; } // attrs);
  filtered = builtins.path {
    path = srcPath;
    name = "filtered-src";
    filter = p: t: t != "symlink" && baseNameOf p != "skip.txt";
  };
  flat = builtins.path { path = srcPath + "/a.txt"; recursive = false; };
  fsrc = builtins.filterSource (p: t: t == "directory" || baseNameOf p == "a.txt") srcPath;
  script = builtins.toFile "build.sh" "echo ${filtered} ${flat}";
  script2 = builtins.toFile "wrapper.sh" "source ${script}; ${fsrc}";
  single = mk { name = "single"; src = srcPath; args = [ "-c" script2 ]; };
  multi = mk { name = "multi"; outputs = [ "out" "dev" "lib" ]; dep = single; };
  devFirst = mk { name = "dev-first"; outputs = [ "dev" "out" ]; };
  usesOutputs = mk {
    name = "uses-outputs";
    a = multi.dev;
    b = "${multi.lib}/lib";
    c = devFirst;
    drv = multi.drvPath;
  };
  fod = mode: algo: hash: mk ({
    name = "fod-${algo}-${if mode == null then "default" else mode}";
    outputHash = hash;
  } // (if algo == "" then { } else { outputHashAlgo = algo; })
    // (if mode == null then { } else { outputHashMode = mode; }));
  fods = [
    (fod null "sha256" "0000000000000000000000000000000000000000000000000000")
    (fod "flat" "sha256" "1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s")
    (fod "recursive" "sha256" "1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s")
    (fod "nar" "sha1" "2jmj7l5rSw0yVb/vlWAYkK/YBwk=")
    (fod "recursive" "" "sha256-47DEQpj8HBSa+/TjW+5JCeuQeRkm5NMpJWZG3hSuFU0=")
    (fod "flat" "" "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==")
    (fod null "md5" "d41d8cd98f00b204e9800998ecf8427e")
    (fod "flat" "sha256" "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    (fod null "sha256" "")
  ];
  fodDependent = mk { name = "fod-dependent"; inputs = fods; };
  structured = mk {
    name = "structured";
    __structuredAttrs = true;
    outputs = [ "out" "bin" ];
    list = [ 1 2.5 "three" null true { nested = single; } ];
    set = { a = 1; b = [ multi.dev ]; };
    outputChecks.out.allowedReferences = [ ];
  };
  misc = mk {
    name = "misc";
    __ignoreNulls = true;
    nothing = null;
    passAsFile = [ "big" ];
    big = "lots of text";
    allowedReferences = [ single ];
    disallowedRequisites = [ multi.dev ];
    preferLocalBuild = true;
    int = 42;
    float = 1.5;
    bools = [ true false ];
    path = srcPath + "/a.txt";
    placeholderUse = "${builtins.placeholder "out"}/bin";
    storeDir = builtins.storeDir;
  };
  discard = mk {
    name = "discard";
    shallow = builtins.unsafeDiscardOutputDependency multi.drvPath;
    deep = multi.drvPath;
  };
in
{
  inherit single multi devFirst usesOutputs fodDependent structured misc discard;
  fods = builtins.listToAttrs (map (d: { name = d.name; value = d; }) fods)
    // { recurseForDerivations = true; };
  paths = [ filtered flat fsrc script script2 ];
}
