assert
  (
    let
      a = 1;
      b = {
        c.d = 2;
        inherit a;
        c.e = rec { f = 1; };
      };
    in
    if a < 2 && b ? c.d || !(a >= 3) then
      x:
      {
        y ? 1,
        w,
        ...
      }@z:
      [
        a.b or "s${toString a}t"
        ./foo/../bar
        ~/baz
        (-a)
        (a - 1)
        (a * 2 / 3)
        (a > 1)
        (a <= 1)
        (b // { })
        ([ ] ++ [ ])
        (a != 1 -> false)
      ]
    else
      null
  ) == 1.5e10;
1
