# builtins.floor and builtins.ceil make an integer a float first (C++
# forceFloat): large integers lose precision, and the largest rounds to
# 2^63, out of range, which the machine's conversion makes the smallest
# integer.
[
  (builtins.floor 7) (builtins.ceil (-7))
  (builtins.floor 9007199254740993) (builtins.ceil 9007199254740993)
  (builtins.floor 9223372036854775807) (builtins.ceil 9223372036854775807)
  (builtins.floor (-9223372036854775807 - 1))
]
