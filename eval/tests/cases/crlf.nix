# Line ends: C++ Nix ends a # comment at a lone CR (then code follows on
# the same physical line), counts a lone CR or CRLF as one line end, and
# turns CR and CRLF in "strings" into LF, while indented strings keep them.
let
  a = 1; # a commentb = 2;
  # one# twoc = 3;
  /* block comment */ d = 4;
  s = "xy
z\r";
  i = ''
    p
    qr
  '';
  j = ''
    p
    q
  '';
  pos = builtins.unsafeGetAttrPos "k" { # ck = 1; };
  interp = "${toString a # c}";
in
{ inherit a b c d s i j interp; line = pos.line; column = pos.column; } # end