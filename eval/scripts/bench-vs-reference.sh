#!/usr/bin/env bash
# Times tvix against the reference C++ Nix on ../shared/bench/eval's workloads and prints a
# Markdown table (median of RUNS interleaved runs: wall and user seconds, peak RSS in MiB) and
# whether our output equals the workload's expected output.
#
#   eval/scripts/bench-vs-reference.sh [TVIX [RUNS]]
#
# defaults: TVIX=target/release/tvix, RUNS=5; BENCH=../shared/bench/eval,
# NIX_INSTANTIATE=/opt/nix-ref/bin/nix-instantiate. Needs /usr/bin/time (Debian package time).
set -euo pipefail
TVIX=$(realpath "${1:-target/release/tvix}")
RUNS=${2:-5}
BENCH=${BENCH:-$(dirname "$0")/../../../shared/bench/eval}
NI=${NIX_INSTANTIATE:-/opt/nix-ref/bin/nix-instantiate}
cd "$BENCH"
export TVIX_STORE=memory://
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
med() { printf "%s\n" "$@" | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
echo "| workload | tvix wall | nix wall | wall ratio | tvix user | nix user | tvix MiB | nix MiB | output |"
echo "|---|---|---|---|---|---|---|---|---|"
for f in *.nix; do
  w=${f%.nix}
  tw=() nw=() tu=() nu=() tm=() nm=()
  ok=ok
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f '%e %U %M' -o "$tmp/t" "$TVIX" --eval --strict "$f" > "$tmp/out" 2>/dev/null || ok=FAILED
    cmp -s "$tmp/out" "expected/$w.out" || ok=DIFFERS
    read -r e u m < "$tmp/t"; tw+=("$e"); tu+=("$u"); tm+=("$m")
    /usr/bin/time -f '%e %U %M' -o "$tmp/n" "$NI" --eval --strict "$f" > /dev/null 2>&1
    read -r e u m < "$tmp/n"; nw+=("$e"); nu+=("$u"); nm+=("$m")
  done
  TW=$(med "${tw[@]}"); NW=$(med "${nw[@]}")
  printf "| %s | %s | %s | %.2f | %s | %s | %d | %d | %s |\n" "$w" "$TW" "$NW" \
    "$(awk -v a="$TW" -v b="$NW" 'BEGIN{print a/b}')" "$(med "${tu[@]}")" "$(med "${nu[@]}")" \
    $(( $(med "${tm[@]}") / 1024 )) $(( $(med "${nm[@]}") / 1024 )) "$ok"
done
