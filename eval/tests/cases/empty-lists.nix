# Every empty list is the same one (tvix shares a single empty list per
# thread): none of them prints as «repeated», and they compare equal to each
# other however they were made.
let
  e = [ ];
  f = x: [ ];
  none = builtins.filter (x: false) [ 1 2 ];
  rest = builtins.tail [ 1 ];
  mapped = map (x: x) [ ];
  all = [ e e (f 1) (f 2) [ ] none rest mapped (builtins.concatLists [ ]) (e ++ e) ];
in
{
  inherit all;
  nested = [ all all [ e [ e ] ] ];
  equal = builtins.all (x: x == e) all;
  lengths = map builtins.length all;
  set = { a = e; b = e; c = { d = e; }; };
  notEqualToNonEmpty = e == [ 1 ];
}
