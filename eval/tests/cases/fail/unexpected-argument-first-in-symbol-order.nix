# The unexpected argument reported is the first in symbol-id order (yy is
# interned before bb here), quoted if it is not an identifier.
({ zz }: zz) { zz = 1; yy = 2; bb = 3; }
