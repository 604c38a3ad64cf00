#!/usr/bin/env python3
"""Differential check of builtins.fromJSON: generates random, often
malformed JSON texts, writes each to a file and evaluates
`builtins.fromJSON (builtins.readFile FILE)` with `--eval --strict` in both
tvix and the reference nix-instantiate, comparing exit status, stdout and
stderr. Prints the count of identical results and the first differences.

usage: fromjson-differential.py [--count N] [--seed S] [--mode MODE]
                                [--jobs J] [--tvix PATH] [--nix PATH]
modes: json  (nested values built from tricky atoms, sometimes mutated)
       bytes (short random strings over a JSON-ish alphabet, NUL included)
       num   (number-like texts: signs, leading zeros, fractions, exponents)
defaults: --count 1000 --seed 1 --mode json --jobs 2
          --tvix target/debug/tvix --nix /opt/nix-ref/bin/nix-instantiate
"""
import argparse, os, random, subprocess, tempfile
from concurrent.futures import ThreadPoolExecutor

ap = argparse.ArgumentParser()
ap.add_argument("--count", type=int, default=1000)
ap.add_argument("--seed", type=int, default=1)
ap.add_argument("--mode", choices=["json", "bytes", "num"], default="json")
ap.add_argument("--jobs", type=int, default=2)
ap.add_argument("--tvix", default="target/debug/tvix")
ap.add_argument("--nix", default="/opt/nix-ref/bin/nix-instantiate")
args = ap.parse_args()

env = dict(os.environ, TVIX_STORE="memory://", HOME="/fake-home")
env.pop("NIX_PATH", None)

ATOMS = [
    b"0", b"-0", b"1", b"-1", b"01", b"1.", b".5", b"+1", b"-", b"1e5", b"1E5",
    b"1.5e-7", b"1e400", b"-1e400", b"1e-400", b"0.0", b"-0.0", b"2.5", b"1e",
    b"1e+", b"1e-", b"9223372036854775807", b"9223372036854775808",
    b"-9223372036854775808", b"-9223372036854775809", b"18446744073709551615",
    b"18446744073709551616", b"123456789012345678901234567890",
    b"true", b"false", b"null", b"tru", b"nul", b"fals", b"True",
    b'"a"', b'"\\n"', b'"\\u0041"', b'"\\ud83d\\ude00"', b'"\\ud800"',
    b'"\\udc00"', b'"\\ud800\\u0041"', b'"\\u00"', b'"\\uZZZZ"', b'"\\x"',
    b'"\\/"', b'"\\b\\f\\r\\t"', b'"\xc3\xa9"', b'"\xff"', b'"\xc3"',
    b'"\xe2\x82"', b'"\xed\xa0\x80"', b'"\xf0\x9f\x98\x80"',
    b'"\xf4\x90\x80\x80"', b'"\x01"', b'"\t"', b'"\n"', b'"\x1f"', b'"\x7f"',
    b'"abc', b'"\\u0000"', b'"a\\u0000b"', b'"${x}"', b'"\\\\"', b'"\\""',
    b"\xef\xbb\xbf", b"\xef\xbb", b"x", b"/", b"//c", b"#", b"\xff", b"1 2", b"@",
]
KEYS = [b'"a"', b'"b"', b'"z"', b'"zz"', b'"k\\u0000"', b"1", b'"\xc3\xa9"']
WS = [b"", b" ", b"\n", b"\t", b"\r", b"\r\n", b"  \n "]
ALPHABET = b'[]{},:"\\ \n\t\r0123456789-+.eEtrufalsn/ubx\xef\xbb\xbf\xff\xc3\xa9\x01\x00'


def ws():
    return random.choice(WS)


def value(depth):
    r = random.random()
    if depth > 3 or r < 0.5:
        return random.choice(ATOMS)
    if r < 0.75:
        items = [ws() + value(depth + 1) + ws() for _ in range(random.randint(0, 3))]
        return b"[" + b",".join(items) + b"]"
    members = [
        ws() + random.choice(KEYS) + ws() + b":" + ws() + value(depth + 1)
        for _ in range(random.randint(0, 3))
    ]
    return b"{" + b",".join(members) + b"}"


def mutate(s):
    s = bytearray(s)
    for _ in range(random.randint(0, 2)):
        if not s:
            break
        i = random.randrange(len(s))
        op = random.random()
        if op < 0.3:
            del s[i]
        elif op < 0.6:
            s.insert(i, random.choice(b'[]{},:"\\ \n0-.eE+tfnu\xff\x01'))
        else:
            s = s[:i]
    return bytes(s)


def gen_json():
    s = ws() + value(0) + ws()
    if random.random() < 0.4:
        s = mutate(s)
    if random.random() < 0.05:
        s += random.choice([b"x", b"]", b" 1", b"\x00"])
    return s


def gen_bytes():
    return bytes(random.choice(ALPHABET) for _ in range(random.randint(0, 12)))


def gen_num():
    return b"".join([
        random.choice([b"", b"-", b"+"]),
        random.choice([b"0", b"00", b"1", b"12345678901234567890", b"9" * random.randint(1, 40), b""]),
        random.choice([b"", b".", b".5", b".000", b"." + b"9" * 30]),
        random.choice([b"", b"e", b"E", b"e+", b"e-", b"e5", b"E-7", b"e308", b"e309", b"e-324", b"e+400"]),
    ])


def run(case):
    i, text = case
    path = os.path.join(tmp, f"c{i}.json")
    with open(path, "wb") as f:
        f.write(text)
    expr = f"builtins.fromJSON (builtins.readFile {path})"
    out = []
    for tool in (args.nix, args.tvix):
        p = subprocess.run([tool, "--eval", "--strict", "-E", expr], capture_output=True, env=env)
        out.append((p.returncode, p.stdout, p.stderr))
    os.unlink(path)
    return text, out[0], out[1]


random.seed(args.seed)
gen = {"json": gen_json, "bytes": gen_bytes, "num": gen_num}[args.mode]
cases = [(i, gen()) for i in range(args.count)]
same, diffs = 0, []
with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(args.jobs) as ex:
    for text, ref, ours in ex.map(run, cases):
        if ref == ours:
            same += 1
        else:
            diffs.append((text, ref, ours))
print(f"identical: {same}/{len(cases)}")
for text, ref, ours in diffs[:8]:
    print("input:", text)
    print("  nix: ", ref)
    print("  tvix:", ours)
