# A file input's url must parse as a URL.
builtins.fetchTree { type = "file"; url = "http//x"; }
