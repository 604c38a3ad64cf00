//! `builtins.parseFlakeRef` and `builtins.flakeRefToString` against the
//! reference: every line of `flake-refs/cases.txt` evaluated with
//! `tvix --eval --strict -E` and `nix-instantiate --eval --strict -E` must
//! give the same exit status, stdout and stderr. The known differences are
//! listed in `flake-refs/notyetpassing/cases.txt`, run and counted; one
//! that starts matching fails the test so it gets moved up.

use std::process::{Command, Output};

use tvix_tests::{case_lines, our_binary, reference};

fn cases(file: &str) -> Vec<String> {
    case_lines(&format!("differential/flake-refs/{file}"))
}

fn eval(mut cmd: Command, expr: &str) -> Output {
    cmd.args(["--eval", "--strict", "-E", expr])
        .current_dir("/")
        .env_remove("NIX_PATH")
        .env("HOME", "/fake-home")
        .env("TVIX_STORE", "memory://")
        .output()
        .expect("runs")
}

/// The difference of exit status, stdout or stderr on `expr`, if any.
fn difference(expr: &str) -> Option<String> {
    let ours = eval(our_binary("tvix"), expr);
    let theirs = eval(reference::command("nix-instantiate"), expr);
    reference::difference(expr, &ours, &theirs)
}

#[test]
fn flake_refs_match_nix_instantiate() {
    let all = cases("cases.txt");
    let failures: Vec<_> = all.iter().filter_map(|e| difference(e)).collect();
    let pending = cases("notyetpassing/cases.txt");
    let now_passing: Vec<_> = pending.iter().filter(|e| difference(e).is_none()).collect();
    println!(
        "flake references: {} of {} identical to nix-instantiate; notyetpassing: {} listed, {} now identical",
        all.len() - failures.len(),
        all.len(),
        pending.len(),
        now_passing.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        now_passing.is_empty(),
        "identical now, move to cases.txt: {now_passing:?}"
    );
}
