# tvix has no builtins.fetchMercurial yet. A real fetch would need a Mercurial
# repository among the fixtures and `hg` on the machine (neither is here), so
# this only checks that the builtin exists.
[ (builtins.typeOf builtins.fetchMercurial) (builtins.isFunction builtins.fetchMercurial) ]
