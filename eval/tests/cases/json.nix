let v = { a = [ 1 2.5 "s" null true ]; b = { c = "x\ny"; }; "k e y" = -3; }; in {
  out = builtins.toJSON v;
  back = builtins.fromJSON (builtins.toJSON v);
  parsed = builtins.fromJSON ''{"x": [1, 2.0, 1e3, "\u00e9"], "y": {"z": false}}'';
}
