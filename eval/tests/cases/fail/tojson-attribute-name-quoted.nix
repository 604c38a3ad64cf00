# toJSON's "while evaluating attribute" frame writes the name as C++ Nix
# writes a symbol: quoted when it is not an identifier.
builtins.toJSON { "a b" = { "if" = throw "deep"; }; }
