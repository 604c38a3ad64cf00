# Builtins that add files to the store: toFile, path, filterSource
# and copying a path by interpolation.
let
  t = builtins.toFile "greeting" "hello\n";
  t2 = builtins.toFile "refers" "see ${t}";
  p = builtins.path { path = ../fixtures/dir; };
  pf = builtins.path { path = ../fixtures/dir; name = "filtered"; filter = path: type: type != "symlink"; };
  pr = builtins.path { path = ../fixtures/hello.txt; name = "h"; recursive = false; sha256 = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"; };
  fs = builtins.filterSource (path: type: baseNameOf path != "sub") ../fixtures/dir;
in
[
  t
  t2
  (builtins.getContext t2)
  p
  pf
  pr
  fs
  "${../fixtures/hello.txt}"
  builtins.storeDir
  (builtins.getEnv "HOME")
]
