# C++ Nix sorts attributes by symbol id and `--strict` forces them in that
# order. `meta` and `system` are interned when C++ Nix starts (`meta` first),
# `zzz` only when this file is parsed, so `meta` is forced (and fails) first
# although it comes last.
{ zzz = throw "zzz"; system = throw "system"; meta = throw "meta"; }
