# Reading files and directories of fixtures/ (committed beside the cases).
let
  rel = p: builtins.substring (builtins.stringLength (toString ./.)) (-1) (toString p);
in
[
  (builtins.readFile ./fixtures/hello.txt)
  (builtins.readFile ./fixtures/dir/sub/b.txt)
  (builtins.readDir ./fixtures/dir)
  (builtins.readDir ./fixtures/dir/sub)
  (map builtins.readFileType [ ./fixtures/hello.txt ./fixtures/dir ./fixtures/dir/link ])
  (builtins.pathExists ./fixtures/hello.txt)
  (builtins.pathExists ./fixtures/missing)
  (builtins.pathExists ./fixtures/dir/link)
  (builtins.pathExists ./fixtures/hello.txt/x)
  (builtins.pathExists "/surely/not/here")
  (builtins.pathExists (toString ./fixtures/dir + "/a.txt"))
  (map (t: builtins.hashFile t ./fixtures/hello.txt) [ "md5" "sha1" "sha256" "sha512" ])
  (builtins.hashFile "sha256" ./fixtures/dir/link)
  (builtins.readFile ./fixtures/dir/link)
  (rel ./fixtures/../fixtures/./dir/sub)
]
