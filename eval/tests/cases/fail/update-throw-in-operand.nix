let f = x: throw "no ${x}"; in
{ a = 1; } // f "set"
