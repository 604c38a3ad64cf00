#!/usr/bin/env bash
# Records how the reference C++ Nix 2.26.3 reads each hand-written
# `<case>.narinfo` here: `<case>.out` is `ok` and the `nix path-info --json`
# output, or `error` and its error message.
#
#   bash nix-compat/testdata/narinfo/edge/generate.sh
#
# Each case is served as the narinfo of
# /nix/store/i9pmrzmpshapij2kin22pff6fc2adavx-hello.txt from a fresh
# `file://` cache, so no narinfo cache is involved.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export PATH=${NIX_REF_PREFIX:-/opt/nix-ref}/bin:$PATH
nix --version | grep -q ' 2\.26\.' || { echo "need Nix 2.26" >&2; exit 1; }
path=/nix/store/i9pmrzmpshapij2kin22pff6fc2adavx-hello.txt
for f in "$here"/*.narinfo; do
  cache=$(mktemp -d)
  printf 'StoreDir: /nix/store\n' > "$cache/nix-cache-info"
  cp "$f" "$cache/i9pmrzmpshapij2kin22pff6fc2adavx.narinfo"
  out=${f%.narinfo}.out
  if json=$(nix path-info --json --store "file://$cache" "$path" 2> "$cache/err"); then
    printf 'ok\n%s\n' "$json" > "$out"
  else
    printf 'error\n' > "$out"
    # The message, without the temporary directory's name.
    sed "s|$cache|CACHE|g" "$cache/err" >> "$out"
  fi
  rm -rf "$cache"
done
