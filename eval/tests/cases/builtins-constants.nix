# The constants of builtins, and builtins.builtins.
[
  builtins.true builtins.false builtins.null
  (builtins.builtins.true)
  (builtins.typeOf builtins.builtins)
  (builtins.typeOf builtins.throw)
  (builtins.tryEval (builtins.throw "caught")).success
  (builtins.dirOf "/a/b/c") (builtins.dirOf "a") (builtins.dirOf "/")
  (builtins.baseNameOf (builtins.dirOf ./fixtures/hello.txt))
]
