builtins.deepSeq {
  yb = throw "yb first";
  ya = throw "ya";
} null
