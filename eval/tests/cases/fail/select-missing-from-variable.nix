# An attribute missing from a set held by an evaluated variable: the
# message, its suggestions and the trace are those of any select.
let
  config = { services = { alpha = 1; beta = 2; }; enable = true; };
  check = builtins.seq config.enable config;
in
check.services.alpah
