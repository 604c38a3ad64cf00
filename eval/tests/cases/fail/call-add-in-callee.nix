let f = { a }: a + 1; g = x: f x; in
g { a = "s"; }
