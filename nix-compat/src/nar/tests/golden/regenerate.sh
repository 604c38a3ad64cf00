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

# A tree for the listing tests, with what `nix nar ls` and `nix nar cat`
# print for it, and the `.ls` file `nix copy` writes to a binary cache.
NIX="${NIX_REF_PREFIX:-/opt/nix-ref}/bin/nix"
t="$tmp/listing"
mkdir -p "$t/sub/deep" "$t/emptydir"
printf 'hello' > "$t/a.txt"
: > "$t/empty"
printf '#!/bin/sh\n' > "$t/run.sh"
chmod +x "$t/run.sh"
ln -s a.txt "$t/link"
ln -s /nonexistent "$t/dangling"
printf 'x' > "$t/sp ace"
printf 'y' > "$t/ünï"
printf 'z' > "$t/$(printf 'tab\tx')"
printf 'deep' > "$t/sub/deep/f"
"$NIX_STORE" --dump "$t" > listing.nar
mkdir -p listing
ls_case() { # output-file flags path
    out="$1"; shift
    "$NIX" nar ls "$@" > "listing/$out"
}
ls_case root.txt listing.nar /
ls_case root-R.txt -R listing.nar /
ls_case root-l.txt -l listing.nar /
ls_case root-lR.txt -lR listing.nar /
ls_case root-d.txt -d listing.nar /
ls_case root-json.txt --json listing.nar /
ls_case root-json-R.txt --json -R listing.nar /
ls_case sub.txt listing.nar /sub
ls_case sub-ld.txt -ld listing.nar /sub
ls_case sub-R-relative.txt -R listing.nar sub
ls_case sub-json.txt --json listing.nar /sub
ls_case dotdot.txt listing.nar /sub/../a.txt
ls_case file-l.txt -l listing.nar /run.sh
ls_case file-json.txt --json listing.nar /empty
ls_case link-l.txt -l listing.nar /link
ls_case link-json.txt --json listing.nar /link
"$NIX" nar cat listing.nar /sub/deep/f > listing/cat-sub-deep-f.txt
store_path=$("$NIX_STORE" --add "$t")
"$NIX" copy --to "file://$tmp/cache?compression=none&write-nar-listing=true" "$store_path"
cp "$tmp/cache/$(basename "$store_path" | cut -c1-32).ls" listing/listing.ls
