# <nix/...> names C++ Nix's built-in corepkgs (fetchurl.nix) even with NIX_PATH
# unset; tvix serves its own fetchurl.nix there (eval corepkgs).
[ <nix/fetchurl.nix> (builtins.typeOf (import <nix/fetchurl.nix>)) (builtins.functionArgs (import <nix/fetchurl.nix>)) ]
