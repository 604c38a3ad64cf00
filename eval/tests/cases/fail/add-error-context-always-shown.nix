# addErrorContext frames are printed even after the trace is truncated.
let
  down =
    n:
    if n == 0 then
      throw "bottom"
    else
      builtins.addErrorContext "at level ${toString n}" (1 + down (n - 1));
in
down 7
