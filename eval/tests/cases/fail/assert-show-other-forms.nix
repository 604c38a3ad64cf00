let
  x = "k";
in
assert
  true
  -> (
    y:
    with builtins;
    rec {
      inherit (builtins) map filter;
      inherit x;
      ${x} = ''
        one
          ${x} two
      '';
      "${x}-2".q = 1.0;
      "quoted name" = __curPos;
      n = let { body = y; };
      p = ./dir/${x}.nix;
      s = builtins.${x} or (assert y; y);
      u = http://example.org/a;
      v = y ? "a b".${x};
    }
  ) == 1;
1
