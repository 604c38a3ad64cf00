# An argument evaluated before a builtin's call fails with the frames the
# builtin adds when it forces it ("while evaluating the first argument ...").
let f = n: builtins.hasAttr (if n == 0 then throw "no name" else "a") { a = 1; };
in f 0
