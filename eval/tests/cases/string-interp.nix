let n = 5; s = "x"; in [ "${s}${toString n}" "a${"b${"c"}"}d" (toString [ 1 "a" null true false ]) (toString 1.5) ]
