# rnix's parser takes any token as the closing parenthesis; C++ Nix wants `)`.
[ (1 + 2 ] ]
