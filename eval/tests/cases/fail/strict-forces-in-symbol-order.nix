# --strict (forceValueDeep) and deepSeq force attributes in symbol order:
# `zb` (seen first) before `za`.
[
  { zb = throw "zb first"; za = throw "za"; }
]
