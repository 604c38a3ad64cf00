# Operators, desugared as C++ Nix's parser does: arithmetic and
# comparisons are calls of __sub, __mul, __div, __lessThan; negation is
# (__sub 0 e).
a: b: c: d: [
  (a + b + c)
  (a - b)
  (a * b / c)
  (a < b)
  (a > b)
  (a <= b)
  (a >= b)
  (-a)
  (- -a)
  (!a)
  (a ++ b // c)
  (a -> b || c && d)
  (a == b)
  (a != b)
  (if a then b else c)
  (assert a; b)
  (-a.b)
  (!a.b)
  __curPos
]
