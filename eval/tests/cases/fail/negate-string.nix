let a = "s"; in
-a
