let l = [ 5 3 8 1 9 2 ]; in {
  sorted = builtins.sort builtins.lessThan l;
  mapped = map (x: x * 2) l;
  filtered = builtins.filter (x: x > 3) l;
  folded = builtins.foldl' (a: b: a + b) 0 l;
  elem = [ (builtins.elem 8 l) (builtins.elem 7 l) ];
  gen = builtins.genList (i: i * i) 5;
  concat = builtins.concatLists [ [ 1 ] [ 2 3 ] [ ] ];
  concatMap = builtins.concatMap (x: [ x x ]) [ 1 2 ];
  part = builtins.partition (x: x > 4) l;
  group = builtins.groupBy (x: if x > 4 then "big" else "small") l;
  any = builtins.any (x: x > 8) l;
  all = builtins.all (x: x > 0) l;
  head = builtins.head l;
  tail = builtins.tail l;
  len = builtins.length l;
  at = builtins.elemAt l 2;
}
