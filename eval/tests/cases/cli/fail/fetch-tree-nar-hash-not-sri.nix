# A path input's narHash must be SRI; the error comes while fetching it.
builtins.fetchTree { type = "path"; path = ./.; narHash = "sha256:abc"; }
