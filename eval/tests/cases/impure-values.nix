# Impure builtins, checked through values that do not depend on the machine.
[
  (builtins.typeOf builtins.currentTime)
  (builtins.currentTime > 1700000000)
  (builtins.typeOf builtins.currentSystem)
  (builtins.elem builtins.currentSystem [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" "i686-linux" ])
  (builtins.getEnv "TVIX_GOLDEN_SURELY_UNSET_VARIABLE")
  (builtins.typeOf (builtins.getEnv "PATH"))
  (builtins.typeOf builtins.nixVersion)
  builtins.langVersion
]
