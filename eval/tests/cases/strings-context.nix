let s = "abc"; in [ (builtins.hasContext s) (builtins.getContext s) (builtins.unsafeDiscardStringContext s) ]
