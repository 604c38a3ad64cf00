# builtins.fetchMercurial exists. Fetching needs `hg` on the machine, which
# this suite does not require: the differential test
# `mercurial_fetchers_match_the_reference` (tests/differential/glue.rs)
# fetches a repository it creates, compared with C++ Nix.
[ (builtins.typeOf builtins.fetchMercurial) (builtins.isFunction builtins.fetchMercurial) ]
