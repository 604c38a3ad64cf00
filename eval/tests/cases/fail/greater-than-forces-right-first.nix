(throw "l") > (throw "r")
