# «repeated»: nix-instantiate --eval remembers a list of one or two elements
# by the value cell holding it (a copy is a new list), a longer list by its
# element array (shared by every copy); a set by its attributes.
let
  x = [ x ];
  y = [ y 1 2 ];
  one = [ 1 ];
  two = [ 1 2 ];
  three = [ 1 2 3 ];
  s = { l = [ 1 ]; m = [ 1 2 3 ]; };
  f = v: [ v ];
  alias = one;
in
{
  self = x;
  selfLong = y;
  inList = [ x ];
  viaHead = builtins.head [ x ];
  shared = [ one one (one) alias ];
  copies = [ one (builtins.head [ one ]) (builtins.elemAt [ one ] 0) ];
  sharedTwo = [ two two (builtins.head [ two ]) ];
  copiesLong = [ three (builtins.head [ three ]) ];
  selects = [ s.l s.l s.m s.m ];
  calls = [ (f 1) (f 1) ];
  mapped = map (_: one) [ 1 2 ];
  mappedLong = map (_: three) [ 1 2 ];
  nested = let a = [ b ]; b = [ a ]; in [ a b ];
}
