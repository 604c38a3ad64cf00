# A `let` without `in`: bison expects `in` or another binding, and words
# the latter INHERIT (rnix only says the file ended; tvix adds bison's list
# from the tokens before the end).
let a = 1;
