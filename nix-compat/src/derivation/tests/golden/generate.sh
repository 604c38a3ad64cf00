#!/usr/bin/env bash
# Regenerates the golden .drv and .drv.json files in this directory from
# derivations.nix with the reference C++ Nix 2.26 (see README.md).
#
#   bash generate.sh            # uses /opt/nix-ref/bin, or $NIX_REF_PREFIX/bin
#
# For every attribute of derivations.nix it instantiates the derivation, then
# copies every .drv of its closure here as `<hash>-<name>.drv`, with the output
# of `nix derivation show <drv>` as `<hash>-<name>.drv.json` (or, when C++ Nix
# cannot print it, its error message as `<hash>-<name>.drv.json-error`).
# `attributes.txt` maps each attribute to its .drv path.
set -euo pipefail
cd "$(dirname "$0")"
export PATH="${NIX_REF_PREFIX:-/opt/nix-ref}/bin:$PATH"
nix --version | grep -q ' 2\.26\.' || { echo "needs Nix 2.26" >&2; exit 1; }

rm -f ./*.drv ./*.drv.json ./*.drv.json-error attributes.txt
attrs=$(nix eval --raw --file derivations.nix \
  --apply 'x: builtins.concatStringsSep "\n" (builtins.attrNames x)')
for attr in $attrs; do
  drv=$(nix eval --raw --file derivations.nix "\"$attr\".drvPath" 2>/dev/null)
  printf '%s %s\n' "$attr" "$drv" >> attributes.txt
  for dep in $(nix-store --query --requisites "$drv"); do
    case "$dep" in *.drv) ;; *) continue ;; esac
    base=$(basename "$dep")
    [ -e "$base" ] && continue
    cp "$dep" "$base"
    chmod 644 "$base"
    if ! nix derivation show "$dep" > "$base.json" 2> "$base.json-error"; then
      rm "$base.json"
    else
      rm "$base.json-error"
    fi
  done
done
echo "$(wc -l < attributes.txt) attributes, $(ls ./*.drv | wc -l) .drv files"
