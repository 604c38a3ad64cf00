builtins.toXML { a = 1; b = [ "x" true null ]; c = 1.5; }
