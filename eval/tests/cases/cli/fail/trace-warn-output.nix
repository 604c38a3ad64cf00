# What trace, traceVerbose and warn print on stderr before an error (the cli
# suite compares the whole standard error).
let
  traced = builtins.trace "a trace message" 1;
  set = builtins.trace { a = 1; b = [ 2 "three" ]; } 2;
  verbose = builtins.traceVerbose "not shown without --trace-verbose" 3;
  warned = builtins.warn "a warning" 4;
  multi = builtins.trace "line one\nline two" 5;
in
builtins.deepSeq [ traced set verbose warned multi ] (throw "stop after tracing")
