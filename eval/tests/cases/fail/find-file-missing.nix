builtins.findFile [ { prefix = "x"; path = ./.; } ] "x/surely-not-here"
