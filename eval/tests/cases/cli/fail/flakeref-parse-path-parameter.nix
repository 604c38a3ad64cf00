# A query pair without '=' is ignored with a warning; path: takes only
# rev, narHash, revCount and lastModified.
builtins.parseFlakeRef "/x?a&b=1"
