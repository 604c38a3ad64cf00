# builtins.pathExists: a string ending in '/' or '/.' must name a directory,
# and then a final symlink is followed; otherwise the final symlink itself
# (even a dangling one) counts.
let
  d = toString ./pathexists-data;
in
[
  (builtins.pathExists (d + "/link"))
  (builtins.pathExists (d + "/link/"))
  (builtins.pathExists (d + "/link/."))
  (builtins.pathExists (d + "/link/./"))
  (builtins.pathExists (d + "/broken"))
  (builtins.pathExists (d + "/broken/"))
  (builtins.pathExists (d + "/broken/."))
  (builtins.pathExists (d + "/filelink"))
  (builtins.pathExists (d + "/filelink/"))
  (builtins.pathExists (d + "/filelink/."))
  (builtins.pathExists (d + "/real/file/"))
  (builtins.pathExists (d + "/real/file/.."))
  (builtins.pathExists (d + "/real/"))
  (builtins.pathExists (d + "/link/file"))
  (builtins.pathExists (d + "/missing/"))
  (builtins.pathExists ./pathexists-data/link)
  (builtins.pathExists ./pathexists-data/broken)
]
