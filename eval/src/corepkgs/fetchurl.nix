# <nix/fetchurl.nix>: a fixed-output derivation that the builder
# "builtin:fetchurl" fills by downloading `url`. Written for tvix after the
# behaviour of C++ Nix's file of the same name: same arguments, same
# derivation attributes, hence the same .drv and output paths.
{
  # Ignored; kept so that old callers passing it still work.
  system ? "",
  url,
  # The expected hash as SRI ("sha256-...") or together with outputHashAlgo.
  hash ? "",
  md5 ? "",
  sha1 ? "",
  sha256 ? "",
  sha512 ? "",
  # The first legacy hash given, in this order of preference.
  outputHash ?
    let
      given = builtins.filter (h: h != "") [ hash sha512 sha1 md5 ];
    in
    if given == [ ] then sha256 else builtins.head given,
  outputHashAlgo ?
    if hash != "" then
      ""
    else
      let
        named = builtins.filter (p: p.value != "") [
          { name = "sha512"; value = sha512; }
          { name = "sha1"; value = sha1; }
          { name = "md5"; value = md5; }
        ];
      in
      if named == [ ] then "sha256" else (builtins.head named).name,
  executable ? false,
  unpack ? false,
  name ? baseNameOf (toString url),
  impure ? false,
}:
let
  hashAttrs =
    if impure then { __impure = true; } else { inherit outputHash outputHashAlgo; };
in
builtins.derivation (
  hashAttrs
  // {
    inherit name url executable unpack;
    builder = "builtin:fetchurl";
    system = "builtin";
    # An executable or unpacked download is hashed as a NAR.
    outputHashMode = if executable || unpack then "recursive" else "flat";
    urls = [ url ];
    preferLocalBuild = true;
    # Has no effect on the builtin builder; part of the derivation all the same.
    impureEnvVars = [ "http_proxy" "https_proxy" "ftp_proxy" "all_proxy" "no_proxy" ];
  }
)
