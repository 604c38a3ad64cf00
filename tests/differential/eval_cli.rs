//! `tvix --eval` against `nix-instantiate --eval` for a table of
//! invocations: `-A` paths (names, quoted names, list indices, errors),
//! `--arg`/`--argstr` auto-calling, `--strict`/`--json`/`--xml`/`--raw`,
//! `-E` with several expressions, `-` for stdin, a directory argument,
//! `-I` and `NIX_PATH`. Exit status and stdout must be equal; stderr too
//! where the table says so. With a nixpkgs lib checkout at
//! `/tmp/nixpkgs-lib` (nix-community/nixpkgs.lib), the benchmark workload
//! `eval-nixpkgs-lib/modules.nix` is compared as well.

use std::{
    io::Write as _,
    path::Path,
    process::{Command, Output, Stdio},
};

use tvix_tests::{our_binary, reference};

/// The fixture directory every invocation runs in.
fn fixtures() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write fixture");
    };
    write(
        "f.nix",
        r#"{ x, y ? 2 }: { a = x + y; l = [ 1 { b = 3; } ]; f = { z }: z; "q.r" = 5; s = "str"; }"#,
    );
    write(
        "set.nix",
        r#"{ a.b.c = [ 10 { d = "e"; } ]; fn = { n ? 1, ... }@args: n + (args.m or 0); lazy = throw "boom"; p = ./set.nix; }"#,
    );
    write("dir/default.nix", "{ fromDir = true; }");
    write("sp/lib.nix", "41");
    write("ellipsis.nix", "{ ... }@args: builtins.attrNames args");
    write("functor.nix", "{ __functor = self: { k }: k * 2; }");
    write("tostring.nix", "{ x ? 1 }: { __toString = self: x; }");
    // genericClosure keys whose second elements trace when a comparison
    // forces them: the order of the traces is the order of C++ Nix's
    // red-black tree comparisons.
    write(
        "closure.nix",
        r#"let
  keys = [ [ 2 2 ] [ 6 0 ] [ 6 3 ] [ 6 1 ] [ 5 0 ] [ 1 2 ] [ 6 0 ] [ 3 1 ] [ 2 2 ] [ 0 3 ] [ 4 1 ] [ 6 2 ] [ 1 0 ] [ 5 0 ] ];
  key = i: let k = builtins.elemAt keys i; in [ (builtins.head k) (builtins.trace "e${toString i}" (builtins.elemAt k 1)) ];
in
builtins.length (builtins.genericClosure {
  startSet = builtins.genList (i: { key = key i; }) (builtins.length keys);
  operator = x: [ ];
})"#,
    );
    dir
}

/// One invocation; `stderr` says whether stderr must be equal too.
struct Case {
    args: &'static [&'static str],
    stdin: Option<&'static str>,
    nix_path: Option<&'static str>,
    stderr: bool,
}

const fn case(args: &'static [&'static str]) -> Case {
    Case {
        args,
        stdin: None,
        nix_path: None,
        stderr: true,
    }
}

const CASES: &[Case] = &[
    case(&["--eval", "f.nix"]),
    case(&["--eval", "f.nix", "-A", "a"]),
    case(&["--eval", "f.nix", "-A", "a", "--arg", "x", "1"]),
    case(&["--eval", "f.nix", "--arg", "x", "1"]),
    case(&["--eval", "--strict", "f.nix", "--arg", "x", "1"]),
    case(&[
        "--eval", "f.nix", "-A", "a", "--arg", "x", "1", "--arg", "w", "3",
    ]),
    case(&["--eval", "f.nix", "-A", "l.1.b", "--arg", "x", "1"]),
    case(&["--eval", "f.nix", "-A", "l.5", "--arg", "x", "1"]),
    case(&["--eval", "f.nix", "-A", "l.x", "--arg", "x", "1"]),
    case(&["--eval", "f.nix", "-A", "a.b", "--arg", "x", "1"]),
    case(&["--eval", "f.nix", "-A", "q.r", "--arg", "x", "1"]),
    case(&["--eval", "f.nix", "-A", "\"q.r\"", "--arg", "x", "1"]),
    case(&["--eval", "f.nix", "-A", "bb", "--arg", "x", "1"]),
    case(&["--eval", "f.nix", "-A", "f", "--arg", "x", "1"]),
    case(&[
        "--eval", "f.nix", "-A", "f", "--arg", "x", "1", "--argstr", "z", "hi",
    ]),
    case(&["--eval", "f.nix", "-A", ".a", "--arg", "x", "1"]),
    case(&["--eval", "f.nix", "-A", "\"q.r", "--arg", "x", "1"]),
    case(&["--eval", "f.nix", "-A", "a", "-A", "l.0", "--arg", "x", "1"]),
    case(&[
        "--eval", "f.nix", "-A", "s", "--raw", "--argstr", "x", "1", "--arg", "y", "\"2\"",
    ]),
    case(&[
        "--eval", "f.nix", "-A", "a", "--argstr", "x", "1", "--arg", "x", "1",
    ]),
    // stderr differs: C++ places the "path segment" trace at the operand being coerced, we at the `+`.
    Case {
        args: &[
            "--eval", "f.nix", "-A", "a", "--arg", "x", "1", "--argstr", "x", "1",
        ],
        stdin: None,
        nix_path: None,
        stderr: false,
    },
    case(&["--eval", "f.nix", "-A", "a", "--arg", "x", "1 +"]),
    case(&["--eval", "set.nix", "-A", "a.b.c.1.d"]),
    case(&["--eval", "--json", "set.nix", "-A", "a"]),
    case(&["--eval", "--json", "--strict", "set.nix", "-A", "a"]),
    case(&["--eval", "--xml", "--strict", "set.nix", "-A", "a.b"]),
    case(&[
        "--eval",
        "--xml",
        "--no-location",
        "--strict",
        "set.nix",
        "-A",
        "a.b",
    ]),
    case(&["--eval", "set.nix", "-A", "fn"]),
    case(&["--eval", "set.nix", "-A", "fn", "--arg", "m", "5"]),
    case(&[
        "--eval", "set.nix", "-A", "fn", "--arg", "n", "2", "--arg", "m", "5",
    ]),
    case(&["--eval", "set.nix", "-A", "lazy"]),
    case(&["--eval", "--strict", "set.nix"]),
    case(&["--eval", "set.nix"]),
    case(&[
        "--eval",
        "ellipsis.nix",
        "--arg",
        "a",
        "1",
        "--argstr",
        "b",
        "2",
    ]),
    case(&["--eval", "ellipsis.nix"]),
    case(&["--eval", "functor.nix", "--arg", "k", "21"]),
    case(&["--eval", "dir"]),
    case(&["--eval", "dir", "-A", "fromDir"]),
    case(&["--eval", "missing.nix"]),
    case(&["--eval", "-E", "1 + 1", "[ 1 2 ]"]),
    case(&["--eval", "-E", "{ a = 1; }", "-A", "a"]),
    case(&["--eval", "--expr", "x: x"]),
    case(&["--eval", "--strict", "-E", "{ a = { b = 1; }; }"]),
    case(&["--eval", "-E", "throw \"no\""]),
    case(&["--eval", "--strict", "closure.nix"]),
    // A key alone is never compared: its elements stay unforced.
    case(&[
        "--eval",
        "--json",
        "-E",
        "builtins.genericClosure { startSet = [ { key = [ (throw \"k\") ]; } ]; operator = x: [ ]; }",
    ]),
    // `--json` calls a set's `__toString` at the set's position (C++
    // `determinePos`), that of the value selected before an auto-call.
    case(&["--eval", "--json", "-E", "{ __toString = self: 1; }"]),
    case(&["--eval", "--json", "tostring.nix", "--arg", "x", "2"]),
    case(&[
        "--eval",
        "--json",
        "-E",
        "{ a = 1; } // { __toString = self: 1; }",
    ]),
    // Single-use `let` bindings inlined at their use (compiler::inline):
    // evaluated once even when the use is forced again after an error,
    // still delayed where the use is lazy.
    case(&[
        "--eval",
        "--strict",
        "-E",
        "let b = builtins.trace \"b\" (1 + 1); c = builtins.seq b (throw \"c\"); in [ (builtins.tryEval c) (builtins.tryEval c) ]",
    ]),
    case(&[
        "--eval",
        "--strict",
        "-E",
        "let s = { __toString = _: builtins.trace \"ts\" \"S\"; }; v = \"${s}\"; r = builtins.seq v (throw \"x\"); in [ (builtins.tryEval r) (builtins.tryEval r) ]",
    ]),
    case(&[
        "--eval",
        "-E",
        "let f = x: let y = x + 1; z = { inherit y; w = y; }; in z; in f 1",
    ]),
    case(&[
        "--eval",
        "--xml",
        "-E",
        "let a = [ 1 ]; b = a ++ [ 2 ]; c = { inherit b; }; in c",
    ]),
    case(&["--eval", "-E", "builtins.warn \"a  \\nb \\n\\n  c\\n\" 1"]),
    case(&["--eval", "-E", "builtins.trace \"t\\nu\" 1"]),
    case(&["--eval", "-E", "1 +"]),
    case(&["--eval", "--raw", "-E", "\"a\\nb\""]),
    case(&["--eval", "--raw", "-E", "1"]),
    case(&[
        "--eval",
        "--json",
        "-E",
        "{ a = [ 1 2.5 null true \"s\" ]; }",
    ]),
    case(&["--eval", "--json", "-E", "x: x"]),
    case(&["--eval", "--json", "-E", "{ f = x: x; }"]),
    case(&["--eval", "--json", "--strict", "-E", "[ (x: x) ]"]),
    case(&["--eval", "--xml", "-E", "[ 1 \"s\" ]"]),
    // Indented strings that escapes split into several parts are
    // concatenations in C++ Nix: thunks, printed <CODE> when not forced.
    case(&[
        "--eval",
        "-E",
        r#"[ ''a''${1}'' ''plain'' ''a'''b'' ''x''\ny'' "q" ''$'' ''a$'' { s = ''a''$b''; } ]"#,
    ]),
    // A bad command line: nix-instantiate's words, not clap's.
    case(&["--eval", "-E", "-2.25"]),
    case(&["--eval", "--frobnicate", "-E", "1"]),
    case(&["--frobnicate"]),
    case(&["--eval", "-E", "1", "--arg", "x"]),
    case(&["--eval", "-E", "1", "-A"]),
    case(&["--eval", "-E", "1", "--include"]),
    case(&["--eval", "-E", "1", "-I"]),
    // --xml prints the document up to an error, its open elements closed.
    case(&[
        "--eval",
        "--xml",
        "--strict",
        "-E",
        "{ a = true; b = { c = [ 1 (x: x).a ]; }; d = 2; }",
    ]),
    case(&["--eval", "--xml", "-E", "[ 1 (throw \"x\") ]"]),
    // Positions: none outside files; built-in files under `/`.
    case(&[
        "--eval",
        "--strict",
        "-E",
        "[ __curPos (builtins.unsafeGetAttrPos \"a\" { a = 1; }) ]",
    ]),
    case(&[
        "--eval",
        "--strict",
        "-E",
        "builtins.unsafeGetAttrPos \"type\" (derivation { name = \"a\"; system = \"x\"; builder = \"/b\"; })",
    ]),
    case(&[
        "--eval",
        "--xml",
        "--strict",
        "-E",
        "derivation { name = \"a\"; system = \"x\"; builder = \"/b\"; }",
    ]),
    // stderr differs: the traces of a failed `import <...>` differ ("while realising the context of a path").
    Case {
        args: &["--eval", "-I", "sp", "-E", "import <sp/lib.nix>"],
        stdin: None,
        nix_path: None,
        stderr: false,
    },
    case(&["--eval", "-I", "foo=sp", "-E", "import <foo/lib.nix>"]),
    case(&["--eval", "-E", "<nope>"]),
    case(&[
        "--eval",
        "--strict",
        "--extra-experimental-features",
        "parse-toml-timestamps",
        "-E",
        r#"builtins.fromTOML "a = 1979-05-27 07:32:00.000+00:00\nb = [ 07:32:00.5, 1979-05-27t07:32:00z ]\n[t]\nc = 1979-05-27T00:32:00.999999-07:00\nd = 1979-05-27T07:32:00-00:00\n""#,
    ]),
    case(&[
        "--eval",
        "--strict",
        "--option",
        "extra-experimental-features",
        "parse-toml-timestamps",
        "-E",
        r#"builtins.fromTOML "x = [ { t = 00:32:00.999999 } ]""#,
    ]),
    case(&["--eval", "-E", r#"builtins.fromTOML "t = 07:32:00""#]),
    case(&[
        "--eval",
        "--eval-only",
        "--read-write-mode",
        "--timeout",
        "1",
        "--show-trace",
        "--json",
        "-E",
        "{ x = 1; }",
    ]),
    Case {
        args: &["--eval", "-"],
        stdin: Some("{ fromStdin = 1; }"),
        nix_path: None,
        stderr: true,
    },
    Case {
        args: &["--eval", "--strict", "-"],
        stdin: Some("[ __curPos (builtins.unsafeGetAttrPos \"a\" { a = 1; }) ]"),
        nix_path: None,
        stderr: true,
    },
    Case {
        args: &["--eval", "-", "-A", "fromStdin"],
        stdin: Some("{ fromStdin = 1; }"),
        nix_path: None,
        stderr: true,
    },
    Case {
        args: &["--eval", "-E", "import <foo/lib.nix>"],
        stdin: None,
        nix_path: Some("foo=sp"),
        stderr: true,
    },
    Case {
        args: &["--eval", "-I", "foo=dir", "-E", "<foo>"],
        stdin: None,
        nix_path: Some("foo=sp"),
        stderr: true,
    },
    // Usage errors: both exit 1; the messages are clap's and C++'s own.
    Case {
        args: &["--eval", "--no-such-flag"],
        stdin: None,
        nix_path: None,
        stderr: false,
    },
    Case {
        args: &["--eval", "-A"],
        stdin: None,
        nix_path: None,
        stderr: false,
    },
];

fn run(mut cmd: Command, dir: &Path, c: &Case) -> Output {
    cmd.args(c.args)
        .current_dir(dir)
        .env_remove("NIX_PATH")
        .env("HOME", "/fake-home")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(p) = c.nix_path {
        cmd.env("NIX_PATH", p);
    }
    let mut child = cmd.spawn().expect("spawns");
    let mut stdin = child.stdin.take().expect("stdin");
    if let Some(text) = c.stdin {
        stdin.write_all(text.as_bytes()).expect("writes stdin");
    }
    drop(stdin);
    child.wait_with_output().expect("runs")
}

#[test]
fn tvix_eval_matches_nix_instantiate() {
    let dir = fixtures();
    let mut failures = Vec::new();
    for c in CASES {
        let ours = run(our_binary("tvix"), dir.path(), c);
        let theirs = run(reference::command("nix-instantiate"), dir.path(), c);
        let o_err = String::from_utf8_lossy(&ours.stderr);
        let t_err = String::from_utf8_lossy(&theirs.stderr);
        let dir_s = dir.path().to_string_lossy();
        let same_status = ours.status.code() == theirs.status.code();
        let same_out = ours.stdout == theirs.stdout;
        let same_err = !c.stderr || o_err.replace(&*dir_s, "DIR") == t_err.replace(&*dir_s, "DIR");
        if !(same_status && same_out && same_err) {
            failures.push(format!(
                "tvix {:?}\n  status {:?} vs {:?}\n  stdout {:?}\n      vs {:?}\n  stderr {:?}\n      vs {:?}",
                c.args,
                ours.status.code(),
                theirs.status.code(),
                String::from_utf8_lossy(&ours.stdout),
                String::from_utf8_lossy(&theirs.stdout),
                o_err,
                t_err
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} invocations differ:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

/// The nixpkgs-lib benchmark workload, when a checkout is present.
#[test]
fn nixpkgs_lib_modules_workload_matches() {
    let lib = Path::new("/tmp/nixpkgs-lib");
    let workload = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/bench/eval-nixpkgs-lib/modules.nix");
    if !lib.join("lib/default.nix").exists() || !workload.exists() {
        eprintln!("no /tmp/nixpkgs-lib checkout or workload: nothing to compare");
        return;
    }
    let w = workload.to_str().expect("UTF-8 path");
    let c = Case {
        args: &[],
        stdin: None,
        nix_path: None,
        stderr: true,
    };
    let mut ours = our_binary("tvix");
    ours.args(["--eval", "--strict", w]).env("NIXPKGS_LIB", lib);
    let mut theirs = reference::command("nix-instantiate");
    theirs
        .args(["--eval", "--strict", w])
        .env("NIXPKGS_LIB", lib);
    let (o, t) = (run(ours, lib, &c), run(theirs, lib, &c));
    assert_eq!(o.status.code(), t.status.code());
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&t.stdout)
    );
}
