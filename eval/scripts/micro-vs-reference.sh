#!/usr/bin/env bash
# Counts the instructions (valgrind cachegrind) of each loop in eval/benches/micro, one
# construct or builtin each, for tvix and for the reference C++ Nix, and prints a Markdown
# table with their ratio. Start-up (evaluating `1`) is subtracted from both. Exact and
# independent of the machine's load, unlike timings; under valgrind, C++ Nix's GC marking
# counts as it runs.
#
#   eval/scripts/micro-vs-reference.sh [TVIX [FILE...]]
#
# defaults: TVIX=target/release/tvix, every file; NIX_INSTANTIATE=/opt/nix-ref/bin/nix-instantiate.
# Needs valgrind. Each file is checked to give both the same output first.
set -euo pipefail
here=$(dirname "$0")
TVIX=$(realpath "${1:-target/release/tvix}")
shift || true
NI=${NIX_INSTANTIATE:-/opt/nix-ref/bin/nix-instantiate}
files=("$@")
[ ${#files[@]} -gt 0 ] || files=("$here"/../benches/micro/*.nix)
export TVIX_STORE=memory://
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
irefs() { # irefs CMD...: instructions of CMD --eval --strict (all processes)
  valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null --trace-children=yes \
    "$@" 2>&1 >/dev/null | awk '/I *refs:/ { gsub(",", "", $NF); s += $NF } END { print s }'
}
echo 1 > "$tmp/one.nix"
t0=$(irefs "$TVIX" --eval --strict "$tmp/one.nix")
n0=$(irefs "$NI" --eval --strict "$tmp/one.nix")
echo "| loop | tvix (M) | C++ Nix (M) | tvix / C++ |"
echo "|---|---|---|---|"
for f in "${files[@]}"; do
  a=$("$TVIX" --eval --strict "$f" 2>&1) || true
  b=$("$NI" --eval --strict "$f" 2>&1) || true
  if [ "$a" != "$b" ]; then echo "| $(basename "$f" .nix) | outputs differ | | |"; continue; fi
  t=$(irefs "$TVIX" --eval --strict "$f")
  n=$(irefs "$NI" --eval --strict "$f")
  awk -v f="$(basename "$f" .nix)" -v t="$t" -v n="$n" -v t0="$t0" -v n0="$n0" \
    'BEGIN { printf "| %s | %.0f | %.0f | %.2f |\n", f, (t - t0) / 1e6, (n - n0) / 1e6, (t - t0) / (n - n0) }'
done
