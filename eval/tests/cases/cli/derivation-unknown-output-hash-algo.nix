# C++ Nix reads outputHashAlgo with parseHashAlgoOpt: an unknown name is no
# algorithm, so an SRI (or prefixed) outputHash alone decides.
let
  d = derivation {
    name = "a";
    system = "x";
    builder = "/b";
    outputHash = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
    outputHashAlgo = "foo";
  };
in
{
  inherit (d) drvPath outPath;
  empty = (derivation {
    name = "b";
    system = "x";
    builder = "/b";
    outputHash = "sha1:0000000000000000000000000000000000000000";
    outputHashAlgo = "";
  }).outPath;
}
