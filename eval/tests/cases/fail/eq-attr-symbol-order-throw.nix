# Equality compares attributes in symbol order: `zz` first.
{
  zz = throw "z";
  yy = throw "y";
} == {
  zz = 1;
  yy = 2;
}
