# C++ Nix's parser (bison) names the tokens it expected and its own token
# names (IN_KW, PATH_END, invalid token); tvix's parser words syntax errors
# differently.
let a = 1;
