let a = 1; in
(throw "l") <= (throw "r")
