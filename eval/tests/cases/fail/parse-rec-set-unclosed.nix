# A `rec` set never closed.
rec { a = 1;
