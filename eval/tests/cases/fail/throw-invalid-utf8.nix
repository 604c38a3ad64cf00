# The message is printed byte for byte.
throw "bad ÿ byte"
