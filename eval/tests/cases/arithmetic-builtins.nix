# add, sub, mul, div and the operators on ints and floats.
[
  (builtins.add 1 2) (builtins.add 1 2.5) (builtins.add 1.5 2)
  (builtins.sub 1 2) (builtins.sub 1.0 0.25)
  (builtins.mul 6 7) (builtins.mul 1.5 4) (builtins.mul (-3) 3)
  (builtins.div 7 2) (builtins.div (-7) 2) (builtins.div 7.0 2)
  (builtins.add 9223372036854775806 1)
  (builtins.sub (-9223372036854775807) 1)
  (builtins.mul 4611686018427387903 2)
  (builtins.div (-9223372036854775807 - 1) 1)
  (builtins.lessThan 1 2) (builtins.lessThan 2.0 1)
  (1 + 2.0) (3 - 0.5) (2 * 0.5) (1 == 1.0) (1 != 1.5)
  (- 5) (-(-5)) (- 2.5) (!true) (true -> false) (false -> throw "lazy")
  (true && false) (false || true) (1 <= 1) (2 > 1.5) (1 >= 2)
  ("a" + "b") ([ 1 ] ++ [ 2 ]) ({ a = 1; } // { b = 2; })
]
