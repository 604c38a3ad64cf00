#!/usr/bin/env bash
# Regenerates the golden narinfo files in this folder with the reference
# C++ Nix 2.26.3 (installed by ../../../../shared/tools/install-reference-nix).
#
#   bash nix-compat/testdata/narinfo/generate.sh
#
# Store paths are deterministic; keys (and so signatures) are new on every run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export PATH=${NIX_REF_PREFIX:-/opt/nix-ref}/bin:$PATH
nix --version | grep -q ' 2\.26\.' || { echo "need Nix 2.26" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$here"
rm -rf keys none xz zstd bzip2 br paths.txt
mkdir keys

# Keys: one from `nix key`, one from `nix-store --generate-binary-cache-key`.
nix key generate-secret --key-name cache.example.org-1 > keys/cache.example.org-1.secret
nix key convert-secret-to-public < keys/cache.example.org-1.secret > keys/cache.example.org-1.public
nix-store --generate-binary-cache-key other.example.org-2 \
  keys/other.example.org-2.secret keys/other.example.org-2.public

# Store paths: a file and a tree added as sources (CA, no references), text
# files with references, a .drv, and the outputs of a built derivation
# (input-addressed, with a deriver, a self reference and a reference between
# outputs).
printf 'hello\n' > "$work/hello.txt"
mkdir -p "$work/tree/sub"
printf 'a' > "$work/tree/a"
printf '#!/bin/sh\n' > "$work/tree/sub/run"
chmod +x "$work/tree/sub/run"
ln -s a "$work/tree/link"
paths=("$(nix-store --add "$work/hello.txt")" "$(nix-store --add "$work/tree")")
expr='let foo = builtins.toFile "foo" "bar"; in {
  baz = builtins.toFile "baz" "${foo}";
  drv = derivation {
    name = "selfref"; system = builtins.currentSystem; builder = "/bin/sh";
    outputs = [ "out" "dev" ];
    args = [ "-c" "echo ${foo} > $out; echo $out >> $out; echo $out > $dev" ];
  };
}'
baz=$(nix-instantiate --read-write-mode --eval --expr "($expr).baz" | tr -d '"')
drv=$(nix-instantiate --expr "($expr).drv")
nix-store --realise "$drv" > /dev/null
paths+=("$baz" "$drv" $(nix-store --query --outputs "$drv"))
# `nix copy` also copies the closure: the `foo` text file.
nix-store --query --requisites "${paths[@]}" | sort > paths.txt

# A second signature from the local store, then one made by the cache.
nix store sign --key-file keys/other.example.org-2.secret $(cat paths.txt)
for c in none xz zstd bzip2 br; do
  nix copy --to "file://$work/$c?compression=$c&secret-key=$here/keys/cache.example.org-1.secret" \
    $(cat paths.txt)
  mkdir "$c"
  cp "$work/$c/nix-cache-info" "$work/$c"/*.narinfo "$c/"
done
# The uncompressed NARs, to check FileHash, FileSize and URL.
cp -r "$work/none/nar" none/nar
