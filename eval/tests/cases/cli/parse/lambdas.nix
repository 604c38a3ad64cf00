# Lambdas: plain, formals with defaults, @-patterns on both sides,
# ellipsis, empty formals; calls are flattened.
[
  (a: b: a)
  ({ a, b ? 1, ... }@args: a)
  (args@{ a }: a)
  ({ ... }: 1)
  ({ }: 1)
  ({ z, a ? b.c, b }: a)
  (f: x: y: f x y (f x) y)
  (f: (f 1) 2)
  (f: f (f 1))
  (x: (x: x) 1)
]
