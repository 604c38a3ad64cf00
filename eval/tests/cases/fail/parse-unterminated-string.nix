# A string never closed: C++ Nix's parser hits the end of the file
# expecting the closing quote (rnix makes the rest of the file one error
# token; tvix reports it as C++ Nix does).
"unterminated
