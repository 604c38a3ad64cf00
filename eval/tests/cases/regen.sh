#!/usr/bin/env bash
# Regenerates the expected outputs of the golden suite from the reference
# C++ Nix (2.26.3, installed in /opt/nix-ref by ../shared/tools/install-reference-nix):
#
#   eval/tests/cases/regen.sh [NIX_INSTANTIATE]
#
# For every CASE.nix here, in notyetpassing/, cli/ and cli/notyetpassing/,
# CASE.exp is exactly the standard output of `nix-instantiate --eval --strict
# CASE.nix`, run from the case's directory with NIX_PATH unset and
# HOME=/fake-home. A case the reference
# cannot evaluate is an error: golden cases are expected to succeed.
#
# For every CASE.nix in cli/parse/, CASE.exp is exactly the standard output
# of `nix-instantiate --parse CASE.nix` (same environment), with the case
# directory's absolute path replaced by `/CASES` (the test does the same to
# tvix's output).
#
# It also writes builtin-names.txt, the names of the reference's builtins
# (`builtins.attrNames builtins`, with the reference's default experimental
# features nix-command and flakes), one a line: the golden test fails if a
# case file never mentions one of them (see tests/it/golden.rs).
set -euo pipefail
cd "$(dirname "$0")"
NI=${1:-/opt/nix-ref/bin/nix-instantiate}
status=0
{
  echo "# The builtins of C++ Nix 2.26.3, written by regen.sh with"
  echo "#   nix-instantiate --eval --strict --raw -E 'builtins.concatStringsSep \"\\n\" (builtins.attrNames builtins)'"
  echo "# Every name must occur as builtins.NAME in some golden case (tests/it/golden.rs)."
  env -u NIX_PATH HOME=/fake-home "$NI" --eval --strict --raw \
    -E 'builtins.concatStringsSep "\n" (builtins.attrNames builtins)'
  echo
} > builtin-names.txt
for f in *.nix notyetpassing/*.nix cli/*.nix cli/notyetpassing/*.nix; do
  [ -e "$f" ] || continue
  if ! (cd "$(dirname "$f")" && env -u NIX_PATH HOME=/fake-home "$NI" --eval --strict "$(basename "$f")") \
      > "${f%.nix}.exp.tmp" 2> "${f%.nix}.err.tmp"; then
    echo "reference failed on $f:" >&2
    cat "${f%.nix}.err.tmp" >&2
    status=1
  else
    mv "${f%.nix}.exp.tmp" "${f%.nix}.exp"
  fi
  rm -f "${f%.nix}.exp.tmp" "${f%.nix}.err.tmp"
done
parse_dir=$(cd cli/parse && pwd -P)
for f in "$parse_dir"/*.nix; do
  [ -e "$f" ] || continue
  b=$(basename "$f" .nix)
  if ! (cd "$parse_dir" && env -u NIX_PATH HOME=/fake-home "$NI" --parse "$b.nix") \
      > "$parse_dir/$b.exp.tmp"; then
    echo "reference failed to parse cli/parse/$b.nix" >&2
    status=1
  else
    sed "s|$parse_dir|/CASES|g" "$parse_dir/$b.exp.tmp" > "$parse_dir/$b.exp"
  fi
  rm -f "$parse_dir/$b.exp.tmp"
done
exit $status
