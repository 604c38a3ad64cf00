# A Mercurial ref must be a branch or tag name.
builtins.fetchTree { type = "hg"; url = "file:///nonexistent"; ref = "no spaces"; }
