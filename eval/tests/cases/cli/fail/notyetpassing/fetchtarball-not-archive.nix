# C++ Nix unpacks with libarchive into its Git cache ("unpacking ... into the
# Git cache...", a 'while fetching the input' frame, "Failed to open archive
# (Unrecognized archive format)"); tvix's tar reader words it differently.
builtins.fetchTarball "file://${toString ./fetchtarball-not-archive.nix}"
