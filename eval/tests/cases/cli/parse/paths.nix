# Paths: relative and absolute (canonicalised), home, search paths,
# interpolated paths, URIs.
x: [
  ./foo/bar
  ./.
  ./a/../b/.
  /abs/../x
  /abs/y
  ~/foo
  <nixpkgs>
  <nixpkgs/lib>
  ./foo/${x}/baz
  ./${x}
  http://example.org/foo?a=b
  x:x
]
