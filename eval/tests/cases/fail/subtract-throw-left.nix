(throw "l") - (throw "r")
