#!/usr/bin/env bash
# Regenerates the expected standard error of the failing golden cases from the
# reference C++ Nix (2.26.3, installed in /opt/nix-ref):
#
#   eval/tests/cases/fail/regen.sh [NIX_INSTANTIATE]
#
# For every CASE.nix here, CASE.err is exactly the standard error of
# `nix-instantiate --eval --strict CASE.nix` and CASE.trace.err that of
# `nix-instantiate --eval --strict --show-trace CASE.nix`, run from this
# directory with NIX_PATH unset and HOME=/fake-home, with this directory's
# absolute path replaced by `/CASES` (the test does the same to tvix's output).
# A case the reference evaluates successfully is an error.
set -euo pipefail
cd "$(dirname "$0")"
NI=${1:-/opt/nix-ref/bin/nix-instantiate}
dir=$(pwd)
status=0
for f in *.nix; do
  for mode in err trace.err; do
    flags=(--eval --strict)
    [ "$mode" = trace.err ] && flags+=(--show-trace)
    if env -u NIX_PATH HOME=/fake-home "$NI" "${flags[@]}" "$f" > /dev/null 2> "${f%.nix}.tmp"; then
      echo "reference succeeded on $f" >&2
      status=1
    else
      sed "s|$dir|/CASES|g" "${f%.nix}.tmp" > "${f%.nix}.$mode"
    fi
    rm -f "${f%.nix}.tmp"
  done
done
exit $status
