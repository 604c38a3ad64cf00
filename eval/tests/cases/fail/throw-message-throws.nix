throw (throw "inner")
