# A lambda with a pattern forces its argument; an error doing so gets the
# "from call site" frame (C++ callFunction).
let f = { a, ... }: a; in f (throw "the argument")
