# fetchMercurial refuses an argument it does not know before running hg.
builtins.fetchMercurial { url = ./.; rev = "default"; submodules = true; }
