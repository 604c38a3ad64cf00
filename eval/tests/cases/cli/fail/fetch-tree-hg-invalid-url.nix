# fetchTree of type hg wants a URL, not a path (C++ parseURL), and says so
# before running hg.
builtins.fetchTree { type = "hg"; url = toString ./.; }
