# A binding without `=`: bison expects an attribute path to go on or `=`.
{ a = 1; b }
