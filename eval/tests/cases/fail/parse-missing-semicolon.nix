# A missing `;` after a binding: bison's token names (IN_KW) and the
# token it expected.
# (three comment lines keep the error on line 4)
let a = 1 in a
