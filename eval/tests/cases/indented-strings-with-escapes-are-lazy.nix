# An indented string made of several literal parts (escapes split it) is a
# concatenation in C++ Nix, so unforced in a list or set it is a thunk: not
# --strict, this case would print <CODE> for them. With --strict, the values.
let
  l = [ ''a''${1}'' ''plain'' ''a'''b'' ''x''\ny'' "q" ''$'' ''a$'' ];
in
{ inherit l; lazy = builtins.length l; }
