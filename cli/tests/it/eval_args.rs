//! `tvix --eval` arguments without the reference installed: each expected
//! stdout, stderr and exit code is what nix-instantiate 2.26.3 printed for the
//! same arguments, run in a directory holding the fixtures below, e.g.
//!
//!     /opt/nix-ref/bin/nix-instantiate --eval f.nix -A a --arg x 1
//!
//! (the differential suite, `tests/differential/eval_cli.rs`, compares a
//! larger table live).

use std::process::Command;

const F: &str = r#"{ x, y ? 2 }: { a = x + y; l = [ 1 { b = 3; } ]; f = { z }: z; "q.r" = 5; }"#;

/// A TOML document with timestamps of several forms.
const TOML_TIMESTAMPS: &str = r#"builtins.fromTOML "a = 1979-05-27 07:32:00.000+00:00\nb = [ 07:32:00.5, 1979-05-27t07:32:00z ]\n[t]\nc = 1979-05-27\n""#;

/// (arguments, stdout, stderr, exit code)
const CASES: &[(&[&str], &str, &str, i32)] = &[
    (
        &["--eval", "f.nix", "-A", "a", "--arg", "x", "1"],
        "3\n",
        "",
        0,
    ),
    (
        &["--eval", "f.nix", "--arg", "x", "1"],
        "{ a = <CODE>; f = <CODE>; l = <CODE>; \"q.r\" = 5; }\n",
        "",
        0,
    ),
    (
        &[
            "--eval", "f.nix", "-A", "l.1.b", "--argstr", "x", "a", "--arg", "x", "1",
        ],
        "3\n",
        "",
        0,
    ),
    (
        &["--eval", "f.nix", "-A", "a", "-A", "l.0", "--arg", "x", "1"],
        "3\n1\n",
        "",
        0,
    ),
    (
        &["--eval", "f.nix", "-A", "bb", "--arg", "x", "1"],
        "",
        "error: attribute 'bb' in selection path 'bb' not found\n       Did you mean one of a, f or l?\n",
        1,
    ),
    (
        &["--eval", "f.nix", "-A", "l.5", "--arg", "x", "1"],
        "",
        "error: list index 5 in selection path 'l.5' is out of range\n",
        1,
    ),
    (&["--eval", "--json", "d"], "{\"fromDir\":true}\n", "", 0),
    (
        &["--eval", "--json", "-I", ".", "<d>"],
        "{\"fromDir\":true}\n",
        "",
        0,
    ),
    (
        &["--parse", "-I", ".", "<f.nix>"],
        "({ x, y ? 2 }: { a = (x + y); f = ({ z }: z); l = [ (1) ({ b = 3; }) ]; \"q.r\" = 5; })\n",
        "",
        0,
    ),
    (
        &["--parse", "<nope>"],
        "",
        "error: file 'nope' was not found in the Nix search path (add it using $NIX_PATH or -I)\n",
        1,
    ),
    (&["--parse", "-E", "1-2"], "(__sub 1 2)\n", "", 0),
    (
        &["--eval", "--raw", "-E", "a"],
        "",
        "error: undefined variable 'a'\n       at «string»:1:1:\n            1| a\n             | ^\n",
        1,
    ),
    // fromTOML timestamps, an experimental feature.
    (
        &[
            "--eval",
            "--strict",
            "--extra-experimental-features",
            "parse-toml-timestamps",
            "-E",
            TOML_TIMESTAMPS,
        ],
        "{ a = { _type = \"timestamp\"; value = \"1979-05-27 07:32:00.000Z\"; }; b = [ { _type = \"timestamp\"; value = \"07:32:00.5\"; } { _type = \"timestamp\"; value = \"1979-05-27t07:32:00Z\"; } ]; t = { c = { _type = \"timestamp\"; value = \"1979-05-27\"; }; }; }\n",
        "",
        0,
    ),
    (
        &[
            "--eval",
            "--strict",
            "--option",
            "experimental-features",
            "nix-command parse-toml-timestamps",
            "-E",
            "builtins.fromTOML \"t = 07:32:00\"",
        ],
        "{ t = { _type = \"timestamp\"; value = \"07:32:00\"; }; }\n",
        "",
        0,
    ),
    // The last of --show-trace and --no-show-trace wins.
    (
        &[
            "--eval",
            "--show-trace",
            "--no-show-trace",
            "-E",
            "let f = n: if n == 0 then throw \"x\" else f (n - 1); in f 1",
        ],
        "",
        "error:\n       … while calling the 'throw' builtin\n         at «string»:1:27:\n            1| let f = n: if n == 0 then throw \"x\" else f (n - 1); in f 1\n             |                           ^\n\n       error: x\n",
        1,
    ),
    (
        &[
            "--eval",
            "--no-show-trace",
            "--show-trace",
            "-E",
            "let f = n: if n == 0 then throw \"x\" else f (n - 1); in f 1",
        ],
        "",
        "error:\n       … from call site\n         at «string»:1:56:\n            1| let f = n: if n == 0 then throw \"x\" else f (n - 1); in f 1\n             |                                                        ^\n\n       … while calling 'f'\n         at «string»:1:9:\n            1| let f = n: if n == 0 then throw \"x\" else f (n - 1); in f 1\n             |         ^\n\n       … from call site\n         at «string»:1:42:\n            1| let f = n: if n == 0 then throw \"x\" else f (n - 1); in f 1\n             |                                          ^\n\n       … while calling 'f'\n         at «string»:1:9:\n            1| let f = n: if n == 0 then throw \"x\" else f (n - 1); in f 1\n             |         ^\n\n       … while calling the 'throw' builtin\n         at «string»:1:27:\n            1| let f = n: if n == 0 then throw \"x\" else f (n - 1); in f 1\n             |                           ^\n\n       error: x\n",
        1,
    ),
    // Tabs in messages expand to columns counted from the start of the
    // message: a newline takes none, a wide character two.
    (
        &["--eval", "-E", "throw \"x\\ty\\n\u{4e2d}\\tz\""],
        "",
        "error:\n       \u{2026} while calling the 'throw' builtin\n         at \u{ab}string\u{bb}:1:1:\n            1| throw \"x\\ty\\n\u{4e2d}\\tz\"\n             | ^\n\n       error: x      y\n       \u{4e2d}      z\n",
        1,
    ),
    // Instantiation (no --eval; the reference ran without --store): an
    // error with a trace frame starts on the line after "error:".
    (
        &["--store", "memory://", "-E", "if 1 then 2 else 3"],
        "",
        "error:\n       … while evaluating a branch condition\n         at «string»:1:1:\n            1| if 1 then 2 else 3\n             | ^\n\n       error: expected a Boolean but found an integer: 1\n       at «string»:1:1:\n            1| if 1 then 2 else 3\n             | ^\n",
        1,
    ),
];

#[test]
fn eval_arguments_match_the_reference_outputs() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("f.nix"), F).expect("fixture");
    std::fs::create_dir(dir.path().join("d")).expect("mkdir");
    std::fs::write(dir.path().join("d/default.nix"), "{ fromDir = true; }\n").expect("fixture");
    for (args, stdout, stderr, code) in CASES {
        let out = Command::new(env!("CARGO_BIN_EXE_tvix"))
            .args(*args)
            .current_dir(dir.path())
            .env_remove("NIX_PATH")
            .output()
            .expect("tvix runs");
        assert_eq!(String::from_utf8_lossy(&out.stdout), *stdout, "{args:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), *stderr, "{args:?}");
        assert_eq!(out.status.code(), Some(*code), "{args:?}");
    }
}
