# Attributes are compared in the order their names were first seen.
assert { zz = 1; yy = 1; } == { xx = 1; yy = 1; };
1
