let a = 1; s = { x = 1; }; in
!((throw "t") ? y)
