let f = { a ? 1, a }: a; in f
