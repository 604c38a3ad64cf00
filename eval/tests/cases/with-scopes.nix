let x = "lexical"; in with { x = "with"; y = "y"; }; with { y = "inner"; }; [ x y ]
