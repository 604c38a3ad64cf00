!(throw "n")
