#!/usr/bin/env python3
"""Runs C++ Nix's language tests (tests/functional/lang of a Nix source tree,
read from outside this repository) against the `tvix` binary, the way
lang.sh runs them against nix-instantiate, and prints pass counts per kind.

usage: cpp-lang-tests.py [--tvix PATH] [--lang DIR] [--list-failures]
defaults: --tvix target/release/tvix, --lang /tmp/nix226/tests/functional/lang

Counted per kind:
  eval-okay   stdout equals .exp (or .exp.xml with --xml --no-location)
  eval-fail   exits 1; "stderr exact" also counts stderr equal to .err.exp
  parse-okay  `--parse -` exits 0 with stdout equal to .exp (lang.sh's sed
              prints rather than edits, so nothing is normalised)
  parse-fail  `--parse -` exits 1; "stderr exact" also counts stderr equal
              to .err.exp
"""
import argparse, os, subprocess, sys, tempfile

ap = argparse.ArgumentParser()
ap.add_argument("--tvix", default="target/release/tvix")
ap.add_argument("--lang", default="/tmp/nix226/tests/functional/lang")
ap.add_argument("--list-failures", action="store_true")
args = ap.parse_args()
tvix = os.path.abspath(args.tvix)
lang = os.path.abspath(args.lang)
root = os.path.dirname(lang)  # tests/functional

env = dict(os.environ, TEST_VAR="foo", NIX_PATH=f"{lang}/dir3:{lang}/dir4", HOME="/fake-home",
           NIX_STORE_DIR="/nix/store")

def run(argv, stdin=None):
    try:
        p = subprocess.run(argv, cwd=root, env=env, input=stdin, capture_output=True, timeout=30)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return -1, b"", b"timeout"

def flags_of(name, default):
    f = os.path.join(lang, name + ".flags")
    if os.path.exists(f):
        text = open(f).read()
        return [w for line in text.splitlines() for w in line.split("#")[0].split()]
    return default

def norm(b):
    return b.replace(root.encode(), b"/pwd")

def postprocess(name, err):
    """Applies lang/NAME.postprocess (a bash script editing NAME.err in
    place, as lang.sh runs it) to a copy of `err`."""
    script = os.path.join(lang, name + ".postprocess")
    if not os.path.exists(script):
        return err
    with tempfile.TemporaryDirectory() as d:
        base = os.path.join(d, name)
        with open(base + ".err", "wb") as f:
            f.write(err)
        subprocess.run(["bash", script, base], check=True, capture_output=True)
        with open(base + ".err", "rb") as f:
            return f.read()

counts = {}
failures = {}
def count(kind, ok, name):
    c = counts.setdefault(kind, [0, 0])
    c[0 if ok else 1] += 1
    if not ok:
        failures.setdefault(kind, []).append(name)

for f in sorted(os.listdir(lang)):
    if not f.endswith(".nix"):
        continue
    name = f[:-4]
    path = os.path.join("lang", f)
    if name.startswith("eval-okay-"):
        xml = os.path.exists(os.path.join(lang, name + ".exp.xml"))
        exp_file = os.path.join(lang, name + (".exp.xml" if xml else ".exp"))
        if not os.path.exists(exp_file):
            continue
        flags = flags_of(name, [])
        argv = [tvix, "--eval", "--strict"] + (["--xml", "--no-location"] if xml else []) + flags + [path]
        rc, out, err = run(argv)
        count("eval-okay", rc == 0 and norm(out) == open(exp_file, "rb").read(), name)
    elif name.startswith("eval-fail-"):
        # lang.sh runs with `show-trace = true` in nix.conf (common/init.sh):
        # a .flags file replaces the default flags but not that setting.
        flags = ["--show-trace"] + flags_of(name, ["--eval", "--strict"])
        rc, out, err = run([tvix] + flags + [path])
        count("eval-fail", rc == 1, name)
        exp = os.path.join(lang, name + ".err.exp")
        if os.path.exists(exp):
            got = postprocess(name, norm(err))
            count("eval-fail (stderr exact)", rc == 1 and got == open(exp, "rb").read(), name)
    elif name.startswith("parse-okay-"):
        rc, out, err = run([tvix, "--parse", "-"], open(os.path.join(lang, f), "rb").read())
        exp = open(os.path.join(lang, name + ".exp"), "rb").read()
        count("parse-okay", rc == 0 and out == exp, name)
    elif name.startswith("parse-fail-"):
        rc, out, err = run([tvix, "--parse", "-"], open(os.path.join(lang, f), "rb").read())
        count("parse-fail", rc == 1, name)
        exp = os.path.join(lang, name + ".err.exp")
        if os.path.exists(exp):
            got = postprocess(name, err)
            count("parse-fail (stderr exact)", rc == 1 and got == open(exp, "rb").read(), name)

for kind, (ok, bad) in counts.items():
    print(f"{kind}: {ok} passed, {bad} failed")
    if args.list_failures:
        for n in failures.get(kind, []):
            print(f"  FAIL {n}")
