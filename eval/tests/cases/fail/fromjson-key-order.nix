# fromJSON interns object keys in document order (nlohmann's SAX parser),
# so here "qb" gets the smaller symbol id than "qa": --strict forces the
# set's attributes in symbol-id order, and the dynamic names are interned
# only after fromJSON ran.
let
  j = builtins.fromJSON ''{"qb": 1, "qa": 2}'';
in
builtins.seq j {
  ${"q" + "a"} = throw "qa forced first";
  ${"q" + "b"} = throw "qb forced first";
}
