//! Golden cases that need the builtins the `tvix` command adds (`derivation`,
//! the store and fetcher builtins): `eval/tests/cases/cli/*.nix` run through
//! the binary must print their `.exp`, produced by C++ Nix 2.26.3
//! (`eval/tests/cases/regen.sh`), in the same environment (NIX_PATH unset,
//! HOME=/fake-home) and with an in-memory store. The cases in
//! `eval/tests/cases/cli/fail/` must fail with exactly the standard error
//! C++ Nix prints, with and without `--show-trace` (`.err`, `.trace.err`,
//! from `eval/tests/cases/fail/regen.sh`, the case's directory shown as
//! `/CASES`). The cases in the `notyetpassing/` directories beside them are
//! run and counted; one that starts passing fails the test so it gets moved
//! up. The cases in `eval/tests/cases/cli/parse/` must print with `--parse`
//! exactly what `nix-instantiate --parse` printed (`.exp`, from `regen.sh`,
//! the case's directory shown as `/CASES`).

use std::{
    path::{Path, PathBuf},
    process::Command,
};

fn cases(dir: &Path) -> Vec<PathBuf> {
    // git keeps no empty directory: a `notyetpassing/` with no case left is
    // simply absent.
    let entries = match std::fs::read_dir(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        r => r.expect("case directory is readable"),
    };
    let mut cases: Vec<_> = entries
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "nix"))
        .collect();
    cases.sort();
    cases
}

/// `tvix --eval --strict [--show-trace] CASE`, run from the case's
/// directory in the environment `regen.sh` gives the reference.
fn run(case: &Path, show_trace: bool) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tvix"));
    cmd.args(["--eval", "--strict"]);
    if show_trace {
        cmd.arg("--show-trace");
    }
    cmd.arg(case.file_name().expect("file name"))
        .current_dir(case.parent().expect("case directory"))
        .env_remove("NIX_PATH")
        .env("HOME", "/fake-home")
        .env("TVIX_STORE", "memory://")
        .output()
        .expect("tvix runs")
}

/// Whether `tvix --eval --strict CASE` succeeds printing exactly the `.exp`;
/// otherwise what it printed instead.
fn check(case: &Path) -> Result<(), String> {
    let out = run(case, false);
    let want = std::fs::read_to_string(case.with_extension("exp")).expect(".exp exists");
    let got = String::from_utf8_lossy(&out.stdout);
    compare(case, &out, &want, &got)
}

/// Ok if `out` succeeded printing `want` (its stdout, maybe normalised, is
/// `got`); otherwise how it differs.
fn compare(case: &Path, out: &std::process::Output, want: &str, got: &str) -> Result<(), String> {
    if out.status.success() && got == want {
        Ok(())
    } else {
        Err(format!(
            "{}:\n  expected {want}  got      {got}\n{}",
            case.display(),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// The absolute, canonical directory of a case (what `/CASES` stands for).
fn case_dir(case: &Path) -> PathBuf {
    case.parent()
        .expect("case directory")
        .canonicalize()
        .expect("directory exists")
}

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../eval/tests/cases/cli")
}

/// Whether CASE fails with exactly its `.err` and (with `--show-trace`)
/// `.trace.err` on stderr, the case's directory shown as `/CASES`;
/// otherwise how it differs.
fn check_failing(case: &Path) -> Result<(), String> {
    let dir = case_dir(case);
    let mut problems = Vec::new();
    for (show_trace, ext) in [(false, "err"), (true, "trace.err")] {
        let want = std::fs::read_to_string(case.with_extension(ext)).unwrap_or_else(|e| {
            panic!(
                "{}: missing .{ext} ({e}); run fail/regen.sh",
                case.display()
            )
        });
        let out = run(case, show_trace);
        let got =
            String::from_utf8_lossy(&out.stderr).replace(&dir.display().to_string(), "/CASES");
        if out.status.success() {
            problems.push(format!("{}: evaluated successfully", case.display()));
        } else if got.trim_end() != want.trim_end() {
            problems.push(format!(
                "{} (.{ext}):\n--- expected\n{want}\n--- got\n{got}",
                case.display()
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// Whether `tvix --parse CASE` prints exactly the `.exp`, the case's
/// directory shown as `/CASES`; otherwise what it printed instead.
fn check_parse(case: &Path) -> Result<(), String> {
    let dir = case_dir(case);
    let out = Command::new(env!("CARGO_BIN_EXE_tvix"))
        .arg("--parse")
        .arg(case.file_name().expect("file name"))
        .current_dir(&dir)
        .env_remove("NIX_PATH")
        .env("HOME", "/fake-home")
        .env("TVIX_STORE", "memory://")
        .output()
        .expect("tvix runs");
    let want = std::fs::read_to_string(case.with_extension("exp")).expect(".exp exists");
    let got = String::from_utf8_lossy(&out.stdout).replace(&dir.display().to_string(), "/CASES");
    compare(case, &out, &want, &got)
}

type Check = fn(&Path) -> Result<(), String>;

/// Every case in `sub` must pass `check`.
fn all_pass(sub: &str, check: Check) {
    let cases = cases(&cases_dir().join(sub));
    assert!(!cases.is_empty(), "no cases in cli/{sub}");
    let failures: Vec<String> = cases.iter().filter_map(|c| check(c).err()).collect();
    println!(
        "cli/{sub}: {} cases, {} failed",
        cases.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The cases in `sub/notyetpassing` are counted; none may pass `check`.
fn none_pass_yet(sub: &str, check: Check) {
    let cases = cases(&cases_dir().join(sub).join("notyetpassing"));
    let passing: Vec<String> = cases
        .iter()
        .filter(|c| check(c).is_ok())
        .map(|c| c.display().to_string())
        .collect();
    println!("cli/{sub}/notyetpassing: {} cases", cases.len());
    assert!(
        passing.is_empty(),
        "these notyetpassing cases pass now, move them up to cli/{sub}: {passing:?}"
    );
}

#[test]
fn eval_golden_cli_cases() {
    all_pass("", check);
}

#[test]
fn eval_golden_cli_notyetpassing_cases_are_counted() {
    none_pass_yet("", check);
}

#[test]
fn eval_golden_cli_failing_cases() {
    all_pass("fail", check_failing);
}

#[test]
fn eval_golden_cli_failing_notyetpassing_cases_are_counted() {
    none_pass_yet("fail", check_failing);
}

#[test]
fn parse_golden_cli_cases() {
    all_pass("parse", check_parse);
}
