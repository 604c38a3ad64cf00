abort "café"
