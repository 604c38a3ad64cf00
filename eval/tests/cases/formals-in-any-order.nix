# Formals whose source order is not their symbol order (`name`, `outPath`
# are interned at start-up): each variable still gets its own argument.
let
  f = { zz, name, yy ? zz + 1, outPath ? name + 10, ... }@args: [ zz name yy outPath (args.q or 0) ];
in
[ (f { zz = 1; name = 2; }) (f { name = 3; zz = 4; yy = 5; q = 6; }) ]
