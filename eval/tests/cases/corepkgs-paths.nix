# <nix/NAME> names C++ Nix's built-in files when no search path entry has
# nix/NAME; such a path shows as <nix/NAME> and as a string loses its tree.
let
  f = <nix/fetchurl.nix>;
in
{
  path = f;
  missing = <nix/nope.nix>;
  dotdot = <nix/../fetchurl.nix>;
  string = toString f;
  appended = f + "x";
  dir = dirOf f;
  dirOfDir = dirOf (dirOf f);
  base = baseNameOf f;
  exists = builtins.pathExists f;
  missingExists = builtins.pathExists <nix/nope.nix>;
  type = builtins.readFileType f;
  typeOf = builtins.typeOf f;
  isFunction = builtins.isFunction (import f);
  found = builtins.findFile [ ] "nix/fetchurl.nix";
  # A search path entry providing nix/... comes first.
  shadowed =
    let
      __nixPath = [ { path = ./search-path-data; } ];
    in
    import <nix/fetchurl.nix>;
  shadowedPrefix =
    let
      __nixPath = [ { prefix = "nix"; path = ./search-path-data/nix; } ];
    in
    import <nix/fetchurl.nix>;
}
