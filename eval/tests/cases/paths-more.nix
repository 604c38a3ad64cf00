# Path literals: relative, absolute, home, interpolated and concatenated.
let
  rel = p: builtins.substring (builtins.stringLength (toString ./.)) (-1) (toString p);
  f = "hello";
in
[
  (rel ./fixtures/hello.txt)
  (rel ./fixtures/./dir/../hello.txt)
  (rel ./.)
  (rel ./fixtures/${f}.txt)
  (rel ./fixtures/${"dir"}/sub)
  (builtins.readFile ./fixtures/${f}.txt)
  (rel (./fixtures + "/dir"))
  (rel (./fixtures + "/dir/"))
  (rel (./fixtures + "dir"))
  (rel (./fixtures + /dir))
  /a/b/c
  /a/./b/../c
  (/a + "/b")
  (/. + "a")
  /.
  (toString /a/b)
  ~/foo/bar
  (builtins.typeOf ~/x)
  (builtins.typeOf ./.)
  (builtins.isPath /a)
  (builtins.isPath "/a")
  (/a/b == /a/b)
  (/a/b < /a/c)
  (builtins.dirOf /a/b)
  (builtins.baseNameOf /a/b)
  (builtins.toPath "/a/../b")
]
