#!/usr/bin/env python3
"""Random-expression differential run: builds random Nix expressions from a
small grammar (literals with edge values, operators, builtins, lets, recs,
withs, lambdas with patterns, asserts, dynamic and nested attributes,
interpolation, indented strings with escapes, regexes, JSON/TOML/XML) and
compares `tvix` with the reference `nix-instantiate` on each: exit status,
stdout and stderr, in --eval --strict, --json, --xml, lazy and --parse
modes. Prints every difference and the count.

usage: random-expr-diff.py [SEED [COUNT]]      (defaults 1 and 200)
env:   TV=path of tvix (default target/debug/tvix),
       NIX_INSTANTIATE (default /opt/nix-ref/bin/nix-instantiate)

Known differences it still finds: the Boehm GC's "GC Warning" lines when
an expression exhausts memory.
"""
import os, random, subprocess, sys

R = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
N = int(sys.argv[2]) if len(sys.argv) > 2 else 200
TV = os.environ.get("TV", "target/debug/tvix")
NI = os.environ.get("NIX_INSTANTIATE", "/opt/nix-ref/bin/nix-instantiate")
names = ["a", "b", "c", "x", "y", "zz", "outPath", "name", "__toString", "type"]
strs = ['"a"', '"b"', '""', '"abc"', '"x y"', '"1.5"', '"10"', '"-3"', '"a,b,c"', '"\\n"', "''ind\n  ent''", '"${toString 1}"']
def atom(d):
    if R.random() < 0.3:
        return R.choice(["(1.0 / 3)", "1e21", "1e-7", "123456.789", "(0.1 + 0.2)", "1.0e15", "100000.0", "1234567.0", "(-0.0)", "(1 / 0.0)", "(0.0 / 0.0)", "5.0e-324", "1.7976931348623157e308", "\"\\t\\r\\\\\"", "''a\n''${1}''", "\"$\"", "\"\\${x}\"", "(let l = [ 1 ]; in [ l l ])", "(let s = { a = 1; }; in [ s s ])", "(let s = { a = 1; }; in { x = s; y = s; })", "~/x", "<nixpkgs>", "/a/b/../c", "./a//b/", "(x: y: x)", "({ a ? 1 }: a)", "builtins.toString", "(builtins.substring 1)"])
    return R.choice([str(R.randint(-3, 10)), R.choice(["1.5", "0.0", "-2.25", "1e3", "3.0"]), R.choice(strs), "null", "true", "false", "[]", "{}", "./.", "(x: x)", "builtins.add", "(throw \"t\")", "(abort \"ab\")", "9223372036854775807", "(-9223372036854775807 - 1)"])
unary = ["builtins.length", "builtins.attrNames", "builtins.attrValues", "builtins.typeOf", "builtins.toString", "builtins.isList", "builtins.head", "builtins.tail", "builtins.toJSON", "builtins.fromJSON", "builtins.stringLength", "builtins.isAttrs", "builtins.ceil", "builtins.floor", "builtins.tryEval", "builtins.deepSeq 1", "builtins.seq 1", "builtins.functionArgs", "builtins.concatLists", "builtins.toXML", "builtins.parseDrvName", "builtins.splitVersion", "builtins.hashString \"md5\"", "builtins.baseNameOf", "builtins.dirOf", "builtins.isFunction", "builtins.abs", "(builtins.map (x: x))", "(builtins.filter (x: x))", "builtins.sort builtins.lessThan", "builtins.listToAttrs", "builtins.unsafeDiscardStringContext", "builtins.getContext", "(builtins.genList (x: x))", "builtins.fromTOML", "builtins.toPath"]
binary = ["+", "-", "*", "/", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "->", "//", "++"]
binfn = ["builtins.elemAt", "builtins.getAttr", "builtins.hasAttr", "builtins.sub", "builtins.mul", "builtins.div", "builtins.bitAnd", "builtins.lessThan", "builtins.concatStringsSep", "builtins.split", "builtins.match", "builtins.substring 0", "builtins.compareVersions", "builtins.removeAttrs", "builtins.intersectAttrs", "builtins.catAttrs", "builtins.elem", "builtins.replaceStrings [\"a\"]", "builtins.foldl' (a: b: a)", "builtins.zipAttrsWith (n: v: v)" ]
def expr(d):
    if d <= 0: return atom(d)
    k = R.randint(0, 11)
    if k == 0: return atom(d)
    if k == 1: return "(%s %s)" % (R.choice(unary), expr(d-1))
    if k == 2: return "(%s %s %s)" % (expr(d-1), R.choice(binary), expr(d-1))
    if k == 3: return "(%s %s %s)" % (R.choice(binfn), expr(d-1), expr(d-1))
    if k == 4: return "[ %s ]" % " ".join(expr(d-1) for _ in range(R.randint(0, 3)))
    if k == 5: return "{ %s }" % " ".join("%s = %s;" % (n, expr(d-1)) for n in R.sample(names, R.randint(0, 3)))
    if k == 6: return "(let %s = %s; in %s)" % (R.choice(names[:6]), expr(d-1), expr(d-1))
    if k == 7: return "(if %s then %s else %s)" % (expr(d-1), expr(d-1), expr(d-1))
    if k == 8: return "(%s).%s or %s" % (expr(d-1), R.choice(names), expr(d-1))
    if k == 9: return "(%s ? %s)" % (expr(d-1), R.choice(names))
    if k == 10: return "\"%s${%s}\"" % (R.choice(["", "p-"]), expr(d-1))
    k2 = R.randint(0, 24)
    if k2 == 13: return "({ __functor = self: x: %s; } %s)" % (expr(d-1), expr(d-1))
    if k2 == 14: return "\"${{ __toString = self: %s; }}\"" % expr(d-1)
    if k2 == 15: return "(builtins.listToAttrs [ { name = %s; value = %s; } { name = \"a\"; value = %s; } ])" % (R.choice(strs), expr(d-1), expr(d-1))
    if k2 == 16: return "(builtins.mapAttrs (n: v: %s) %s)" % (R.choice(["n", "v", "[n v]", expr(d-1)]), expr(d-1))
    if k2 == 17: return "(builtins.match %s %s)" % (R.choice(['"a*"', '"(a)(b)?"', '"[a-z]+"', '"(.*),(.*)"', '".*"', '"("', '"a{2,}"', '"[[:digit:]]+"']), expr(d-1))
    if k2 == 18: return "(builtins.split %s %s)" % (R.choice(['","', '"(a)|b"', '""', '"[0-9]"']), expr(d-1))
    if k2 == 19: return "(builtins.groupBy (x: %s) %s)" % (R.choice(['"k"', "builtins.toString x", "x"]), expr(d-1))
    if k2 == 20: return "(builtins.partition (x: %s) %s)" % (R.choice(["true", "x", "x > 2"]), expr(d-1))
    if k2 == 21: return "(builtins.sort (a: b: %s) %s)" % (R.choice(["a < b", "true", "a", "b > a"]), expr(d-1))
    if k2 == 22: return "(builtins.fromJSON %s)" % R.choice(["\"[1,2.5,\\\"x\\\",null,{}]\"", "\"{\\\"a\\\":1e400}\"", "\"1.0\"", "\"-0\"", "\"[\"", "\"\\\"\\\\u00e9\\\"\"", "\"123456789012345678901\""])
    if k2 == 23: return "(builtins.toJSON %s)" % R.choice(["1.0", "0.1", "1e100", "-0.0", "123456789.0", "[ 1.5e-7 ]", expr(d-1)])
    if k2 == 24: return "(builtins.concatMap (x: [ x %s ]) %s)" % (expr(d-1), expr(d-1))
    if k2 == 0: return "(rec { a = %s; b = a; }).b" % expr(d-1)
    if k2 == 1: return "(({ a, b ? %s, ... }@args: [ a b (args.c or 0) ]) %s)" % (expr(d-1), expr(d-1))
    if k2 == 2: return "(with %s; %s)" % (expr(d-1), R.choice(names[:6] + [expr(d-1)]))
    if k2 == 3: return "(%s %s %s)" % (R.choice(["0.1", "1.0", "1e20", "-0.5", "3", "2.5e-7", "123456789.123"]), R.choice(["+", "-", "*", "/"]), R.choice(["0.2", "3.0", "7", "1e-5", "0.0", "2"]))
    if k2 == 4: return "(assert %s; %s)" % (expr(d-1), expr(d-1))
    if k2 == 5: return "{ ${%s} = %s; }" % (expr(d-1), expr(d-1))
    if k2 == 6: return "{ a.b = %s; a.c = %s; x = { y = 1; }; x.z = 2; }" % (expr(d-1), expr(d-1))
    if k2 == 7: return "(builtins.substring %d %d %s)" % (R.randint(-2, 4), R.randint(-2, 4), expr(d-1))
    if k2 == 8: return "(builtins.genericClosure { startSet = [ { key = %s; } ]; operator = x: [ ]; })" % expr(d-1)
    if k2 == 9: return "(builtins.toXML %s)" % expr(d-1)
    if k2 == 10: return "(builtins.tryEval %s)" % expr(d-1)
    if k2 == 11: return "(%s.%s)" % (expr(d-1), R.choice(names))
    return "(./. + %s)" % expr(d-1)
env = dict(os.environ, TVIX_STORE="memory://", HOME="/fake-home"); env.pop("NIX_PATH", None)
diffs = 0
workdir = os.getcwd()
for i in range(N):
    e = expr(R.randint(1, 4))
    args = ["--eval", "--strict", "-E", e]
    r = R.random()
    if r < 0.15: args.insert(2, "--json")
    elif r < 0.25: args.insert(2, "--xml")
    elif r < 0.35: args.remove("--strict")
    elif r < 0.5: args = ["--parse", "-E", e]
    try:
        a = subprocess.run([NI] + args, capture_output=True, env=env, timeout=10, cwd=workdir)
        b = subprocess.run([TV] + args, capture_output=True, env=env, timeout=10, cwd=workdir)
    except subprocess.TimeoutExpired:
        continue
    if (a.returncode, a.stdout, a.stderr) != (b.returncode, b.stdout, b.stderr):
        diffs += 1
        print("=== DIFF", " ".join(args[:-1]), e)
        print("--- nix rc=%d\n%s%s" % (a.returncode, a.stdout.decode(errors="replace"), a.stderr.decode(errors="replace")[-600:]))
        print("--- tvix rc=%d\n%s%s" % (b.returncode, b.stdout.decode(errors="replace"), b.stderr.decode(errors="replace")[-600:]))
print("diffs", diffs, "of", N)
