# fetchTree of a path input with the attributes a flake.lock records for
# it: lastModified, rev and revCount are returned as given (shortRev from
# rev), each also alone. (Without a given lastModified it is the tree's
# mtime, which depends on the checkout: left out there.)
let
  p = toString ../fixtures/dir;
  rev = "0123456789abcdef0123456789abcdef01234567";
  f = extra: builtins.removeAttrs (builtins.fetchTree ({ type = "path"; path = p; } // extra)) [ "outPath" ];
  noTime = s: builtins.removeAttrs s [ "lastModified" "lastModifiedDate" ];
in
[
  (f { lastModified = 5; })
  (noTime (f { inherit rev; }))
  (noTime (f { revCount = 3; }))
  (f { inherit rev; revCount = 3; lastModified = 1700000000; })
]
