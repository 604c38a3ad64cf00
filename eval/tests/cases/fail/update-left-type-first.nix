1 // throw "later"
