# Attribute sets: rec, inherit, inherit-from, dynamic names, nested paths
# merged, quoted names, `or` as a name.
{ x, y, n }:
[
  rec { b = a; a = 1; }
  { inherit (x) a b; inherit y; "${n}" = 1; ${n} = 2; f.g = 3; "h i" = 4; }
  { a.b = { inherit (x) y; }; a.c.d = 1; a.b.z = 2; }
  { services.ssh.enable = true; services.ssh = { port = 23; }; }
  { "" = 1; "a.b" = 2; "1a" = 3; a-b = 4; a' = 5; _x = 6; or = 7; }
  { "${n}".b = 1; }
  rec { inherit x; a = { inherit y; }; b = rec { c = a; }; }
  { }
  ({ a = 1; } // { })
]
