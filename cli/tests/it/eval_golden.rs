//! Golden cases that need the builtins the `tvix` command adds (`derivation`,
//! the store and fetcher builtins): `eval/tests/cases/cli/*.nix` run through
//! the binary must print their `.exp`, produced by C++ Nix 2.26.3
//! (`eval/tests/cases/regen.sh`), in the same environment (NIX_PATH unset,
//! HOME=/fake-home) and with an in-memory store. The cases in
//! `eval/tests/cases/cli/notyetpassing/` are run and counted; one that starts
//! passing fails the test so it gets moved up.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

fn cases(dir: &Path) -> Vec<PathBuf> {
    let mut cases: Vec<_> = std::fs::read_dir(dir)
        .expect("case directory is readable")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "nix"))
        .collect();
    cases.sort();
    cases
}

/// Whether `tvix --eval --strict CASE` succeeds printing exactly the `.exp`;
/// otherwise what it printed instead.
fn check(case: &Path) -> Result<(), String> {
    let out = Command::new(env!("CARGO_BIN_EXE_tvix"))
        .args(["--eval", "--strict"])
        .arg(case.file_name().expect("file name"))
        .current_dir(case.parent().expect("case directory"))
        .env_remove("NIX_PATH")
        .env("HOME", "/fake-home")
        .env("TVIX_STORE", "memory://")
        .output()
        .expect("tvix runs");
    let want = std::fs::read_to_string(case.with_extension("exp")).expect(".exp exists");
    let got = String::from_utf8_lossy(&out.stdout);
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

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../eval/tests/cases/cli")
}

#[test]
fn eval_golden_cli_cases() {
    let cases = cases(&cases_dir());
    assert!(!cases.is_empty());
    let failures: Vec<String> = cases.iter().filter_map(|c| check(c).err()).collect();
    println!(
        "cli golden: {} cases, {} failed",
        cases.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn eval_golden_cli_notyetpassing_cases_are_counted() {
    let cases = cases(&cases_dir().join("notyetpassing"));
    let passing: Vec<String> = cases
        .iter()
        .filter(|c| check(c).is_ok())
        .map(|c| c.display().to_string())
        .collect();
    println!("cli notyetpassing: {} cases", cases.len());
    assert!(
        passing.is_empty(),
        "these cli notyetpassing cases pass now, move them to eval/tests/cases/cli: {passing:?}"
    );
}
