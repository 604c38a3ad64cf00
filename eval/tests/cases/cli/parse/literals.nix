# Literals: integers, floats as %g, null, booleans, nested lists.
[
  123
  (-1)
  1.5
  1.0
  0.1
  1.0e10
  100000000000000000000.0
  123456789.0
  0.30000000000000004
  .5
  1.0e-5
  null
  true
  false
  [ ]
  [ [ ] [ 1 ] ]
]
