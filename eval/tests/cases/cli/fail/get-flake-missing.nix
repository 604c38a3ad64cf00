# A directory without flake.nix.
(builtins.getFlake "path:${toString ../../fixtures/dir}").outputs
