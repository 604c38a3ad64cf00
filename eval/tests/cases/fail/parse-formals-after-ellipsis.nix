# Something after `...` in formals: only `}` may follow.
{ a, ..., b }: a
