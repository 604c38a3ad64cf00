#!/bin/sh
# Regenerates the golden NARs in this folder with the reference C++ Nix 2.26
# (`nix-store --dump`). Run from this folder: sh regenerate.sh
set -eu
NIX_STORE="${NIX_REF_PREFIX:-/opt/nix-ref}/bin/nix-store"
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp"; rm -rf "$tmp"' EXIT

# A regular file with "Hello World!" (no newline).
printf 'Hello World!' > "$tmp/helloworld"
"$NIX_STORE" --dump "$tmp/helloworld" > helloworld.nar

# An executable file.
printf '#!/bin/sh\necho hi\n' > "$tmp/executable"
chmod 0755 "$tmp/executable"
"$NIX_STORE" --dump "$tmp/executable" > executable.nar

# An empty file (no padding after the zero length).
: > "$tmp/empty"
"$NIX_STORE" --dump "$tmp/empty" > empty-file.nar

# A symlink (dangling) to an absolute path.
ln -s /nix/store/somewhereelse "$tmp/symlink"
"$NIX_STORE" --dump "$tmp/symlink" > symlink.nar

# An empty directory.
mkdir "$tmp/emptydir"
"$NIX_STORE" --dump "$tmp/emptydir" > empty-dir.nar

# A directory: an empty file, a symlink, and a subdirectory with an empty file.
mkdir -p "$tmp/complicated/keep"
: > "$tmp/complicated/.keep"
ln -s /nix/store/somewhereelse "$tmp/complicated/aa"
: > "$tmp/complicated/keep/.keep"
"$NIX_STORE" --dump "$tmp/complicated" > complicated.nar

# Entry order is by bytes: "B" < "a" < "b", and ".x" first.
mkdir "$tmp/sorted"
for n in b a B .x 'sp ace' 'ü'; do printf '%s' "$n" > "$tmp/sorted/$n"; done
chmod +x "$tmp/sorted/a"
"$NIX_STORE" --dump "$tmp/sorted" > sorted.nar
