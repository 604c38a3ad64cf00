# `++` and concatMap take the elements of a list that nothing else holds
# (moved, not copied); a list that is also held elsewhere must be left intact.
let
  shared = [ 1 2 ];
  f = x: [ x ] ++ shared;
  a = f 0;
  nested = (([ 1 ] ++ [ 2 ]) ++ [ 3 ]) ++ ([ 4 ] ++ [ 5 ]);
  fresh = builtins.concatMap (x: [ x (x * 10) ]) [ 1 2 3 ];
  reused = builtins.concatMap (x: shared) [ 1 2 ];
  mixed = builtins.concatMap (x: if x == 1 then shared else [ x ] ++ shared) [ 1 2 3 ];
  thunks = builtins.concatMap (x: [ (x + 1) ] ++ [ (throw "unforced") ]) [ 1 2 ];
in
{
  inherit shared a nested fresh reused mixed;
  again = [ (a ++ [ 9 ]) (a ++ [ 8 ]) a shared ];
  lengths = builtins.length thunks;
  first = builtins.head thunks;
  empties = [ ([ ] ++ a) (a ++ [ ]) (builtins.concatMap (x: [ ]) [ 1 2 ]) ];
}
