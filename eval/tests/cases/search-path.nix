# findFile, nixPath, and <...> lookups resolved through a __nixPath in scope.
let
  sp = [ { prefix = "fx"; path = ./fixtures; } { prefix = ""; path = ./fixtures/dir; } ];
  rel = p: builtins.substring (builtins.stringLength (toString ./.)) (-1) (toString p);
in
[
  (rel (builtins.findFile sp "fx/hello.txt"))
  (rel (builtins.findFile sp "fx"))
  (rel (builtins.findFile sp "sub/b.txt"))
  (builtins.readFile (builtins.findFile sp "a.txt"))
  (builtins.tryEval (builtins.findFile sp "nope")).success
  builtins.nixPath
  (let __nixPath = sp; in builtins.readFile <fx/hello.txt>)
  (let __nixPath = sp; in rel <sub>)
  (let __findFile = path: name: "found ${name}"; in <anything/at/all>)
  (builtins.typeOf builtins.findFile)
]
