builtins.flakeRefToString {
  type = "tarball";
  url = "https://example.org/x";
  narHash = "sha1-AAAAAAAAAAAAAAAAAAAAAAAAAAA=";
}
