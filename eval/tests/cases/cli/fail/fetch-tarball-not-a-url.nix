# fetchTarball parses its URL first (C++ parseURL): a string without a
# scheme is not a valid URL.
builtins.fetchTarball "notaurl"
