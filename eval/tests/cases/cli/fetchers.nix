# fetchurl, fetchTarball and fetchTree (and storePath on a fetched path) from file:// URLs of fixtures (offline).
let
  url = p: "file://${toString p}";
in
[
  (builtins.fetchurl (url ../fixtures/hello.txt))
  (builtins.fetchurl { url = url ../fixtures/hello.txt; name = "named"; })
  (builtins.fetchurl { url = url ../fixtures/hello.txt; sha256 = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"; })
  (builtins.fetchTarball (url ../fixtures/tree.tar.gz))
  (builtins.readFile "${builtins.fetchTarball (url ../fixtures/tree.tar.gz)}/file.txt")
  (builtins.fetchTarball { url = url ../fixtures/tree.tar.gz; name = "tb"; })
  (builtins.fetchTree { type = "file"; url = url ../fixtures/hello.txt; })
  (builtins.fetchTree { type = "tarball"; url = url ../fixtures/tree.tar.gz; })
  (builtins.removeAttrs (builtins.fetchTree { type = "path"; path = toString ../fixtures/dir; }) [ "lastModified" "lastModifiedDate" ])
  (builtins.storePath (builtins.fetchurl (url ../fixtures/hello.txt)))
  (builtins.getContext (builtins.storePath (builtins.fetchurl (url ../fixtures/hello.txt))))
]
