toString [ [ { outPath = { }; } ] ]
