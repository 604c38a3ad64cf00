{
  sub = builtins.substring 2 3 "hello world";
  len = builtins.stringLength "héllo";
  rep = builtins.replaceStrings [ "o" "l" ] [ "0" "L" ] "hello world";
  sep = builtins.concatStringsSep ", " [ "a" "b" "c" ];
  split = builtins.split "(,)" "a,b,c";
  match = builtins.match "([a-z]+)-([0-9]+)" "abc-123";
  nomatch = builtins.match "x" "y";
  base = baseNameOf "/a/b/c.nix";
  dir = dirOf "/a/b/c.nix";
  hash = builtins.hashString "sha256" "abc";
  md5 = builtins.hashString "md5" "abc";
  sha1 = builtins.hashString "sha1" "abc";
  sha512 = builtins.hashString "sha512" "abc";
  parse = builtins.parseDrvName "hello-2.10.1";
  cmp = [ (builtins.compareVersions "1.2.3" "1.2.10") (builtins.compareVersions "2.0pre1" "2.0") ];
  split2 = builtins.splitVersion "1.2.3pre4";
  escape = builtins.escapeNix or null;
}
