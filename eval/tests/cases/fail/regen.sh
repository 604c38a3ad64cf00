#!/usr/bin/env bash
# Regenerates the expected standard error of the failing golden cases from the
# reference C++ Nix (2.26.3, installed in /opt/nix-ref):
#
#   eval/tests/cases/fail/regen.sh [NIX_INSTANTIATE]
#
# For every CASE.nix here, in notyetpassing/, and in ../cli/fail/ and
# ../cli/fail/notyetpassing/ (cases the tvix binary runs), CASE.err is exactly the
# standard error of `nix-instantiate --eval --strict CASE.nix` and
# CASE.trace.err that of `nix-instantiate --eval --strict --show-trace
# CASE.nix`, run from the case's directory with NIX_PATH unset and
# HOME=/fake-home, with that directory's absolute path replaced by `/CASES`
# (the test does the same to tvix's output). A case the reference evaluates
# successfully is an error.
set -euo pipefail
cd "$(dirname "$0")"
NI=${1:-/opt/nix-ref/bin/nix-instantiate}
status=0
for d in . notyetpassing ../cli/fail ../cli/fail/notyetpassing; do
  [ -d "$d" ] || continue
  dir=$(cd "$d" && pwd)
  for f in "$dir"/*.nix; do
    [ -e "$f" ] || continue
    b=$(basename "$f" .nix)
    for mode in err trace.err; do
      flags=(--eval --strict)
      [ "$mode" = trace.err ] && flags+=(--show-trace)
      if (cd "$dir" && env -u NIX_PATH HOME=/fake-home "$NI" "${flags[@]}" "$b.nix") > /dev/null 2> "$dir/$b.tmp"; then
        echo "reference succeeded on $d/$b.nix" >&2
        status=1
      else
        sed "s|$dir|/CASES|g" "$dir/$b.tmp" > "$dir/$b.$mode"
      fi
      rm -f "$dir/$b.tmp"
    done
  done
done
exit $status
