# A dynamic attribute in a `let` is refused at the `let` keyword (C++
# Nix's parser rule), not at the attribute.
let
  a = 1;
  ${"x" + "y"} = 2;
in
a
