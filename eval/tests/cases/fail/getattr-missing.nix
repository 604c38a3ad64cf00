builtins.seq (builtins.getAttr "x" { }) 1
