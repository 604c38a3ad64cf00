builtins.fromJSON (
  builtins.appendContext "1" {
    "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-x" = {
      path = true;
    };
  }
)
