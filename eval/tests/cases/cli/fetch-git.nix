# fetchGit from a bare repository committed as fixtures/repo.git (offline,
# file:// URL); fetchTree with type "git" gives the same tree,
# without revCount unless it is not shallow.
let
  url = "file://${toString ../fixtures/repo.git}";
  head = builtins.fetchGit url;
  first = builtins.fetchGit { inherit url; rev = "2800a734bec5a84851ad3838c11f1800608fe926"; };
  named = builtins.fetchGit { inherit url; ref = "main"; name = "named"; };
  tree = builtins.fetchTree { type = "git"; inherit url; rev = "73ae61d46cbc5e567830fdc728bae8ed3066a7ce"; };
  deep = builtins.fetchTree { type = "git"; inherit url; shallow = false; };
in
[
  head
  (builtins.readFile "${head}/file.txt")
  first
  (builtins.readFile "${first}/file.txt")
  (builtins.readFile "${first}/d/n.txt")
  named.outPath
  tree
  (tree.outPath == head.outPath)
  deep.revCount
  (builtins.fetchTree "git+${url}").revCount
]
