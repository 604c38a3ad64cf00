# A path input's rev is parsed as C++ Input::getRev does (a prefixed hash,
# or else SHA-1 in any encoding), after the fetch, under its frame.
builtins.fetchTree { type = "path"; path = ./fetch-tree-path-bad-rev.nix; rev = "abc"; }
