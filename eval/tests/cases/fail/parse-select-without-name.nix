# A selection with nothing after the dot.
{ a = 1; }. 2
