#!/usr/bin/env python3
"""Cuts every .nix file under a directory at random points and compares the
syntax errors of `tvix --parse -` with the reference `nix-instantiate
--parse -` (exit status, stdout and stderr), printing the count of identical
results and the first lines of each kind of difference.

usage: syntax-error-sweep.py DIR [--cuts N] [--seed S] [--tvix PATH]
                             [--nix PATH]
defaults: --cuts 3 --seed 7 --tvix target/debug/tvix
          --nix /opt/nix-ref/bin/nix-instantiate
"""
import argparse, collections, os, random, subprocess

ap = argparse.ArgumentParser()
ap.add_argument("dir")
ap.add_argument("--cuts", type=int, default=3)
ap.add_argument("--seed", type=int, default=7)
ap.add_argument("--tvix", default="target/debug/tvix")
ap.add_argument("--nix", default="/opt/nix-ref/bin/nix-instantiate")
args = ap.parse_args()

env = dict(os.environ, TVIX_STORE="memory://", HOME="/fake-home")
env.pop("NIX_PATH", None)


def parse(tool, source):
    p = subprocess.run([tool, "--parse", "-"], input=source, capture_output=True, env=env)
    return p.returncode, p.stdout, p.stderr


files = sorted(
    os.path.join(root, f)
    for root, _, names in os.walk(args.dir)
    for f in names
    if f.endswith(".nix")
)
rng = random.Random(args.seed)
same, total = 0, 0
kinds = collections.Counter()
for f in files:
    source = open(f, "rb").read()
    if len(source) < 50:
        continue
    for _ in range(args.cuts):
        cut = source[: rng.randrange(10, len(source))]
        total += 1
        ours, theirs = parse(args.tvix, cut), parse(args.nix, cut)
        if ours == theirs:
            same += 1
            continue
        first = lambda r: r[2].split(b"\n")[0].decode(errors="replace")
        key = (first(theirs), first(ours))
        kinds[key] += 1
        if kinds[key] == 1:
            print(f"{f} cut at {len(cut)}:\n  nix:  {key[0]}\n  tvix: {key[1]}")
print(f"{same} of {total} cuts identical")
