//! `tvix --parse` against `nix-instantiate --parse` on real sources: every
//! `.nix` file of a nixpkgs lib checkout at `/tmp/nixpkgs-lib` and of the
//! C++ language tests at `/tmp/nix226/tests/functional/lang`, where
//! present. Exit status and stdout must be equal. Syntax errors are
//! compared exactly (stderr too) on the hand-written one-line cases of
//! `syntax-errors/cases.txt`.

use std::path::{Path, PathBuf};

use tvix_tests::{case_lines, our_binary, reference};

fn nix_files(dir: &Path, recursive: bool, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            if recursive {
                nix_files(&p, true, out);
            }
        } else if p.extension().is_some_and(|x| x == "nix") {
            out.push(p);
        }
    }
}

#[test]
fn tvix_parse_matches_nix_instantiate_on_real_sources() {
    let mut files = Vec::new();
    nix_files(Path::new("/tmp/nixpkgs-lib/lib"), true, &mut files);
    nix_files(
        Path::new("/tmp/nix226/tests/functional/lang"),
        false,
        &mut files,
    );
    if files.is_empty() {
        eprintln!("no /tmp/nixpkgs-lib or /tmp/nix226 sources: nothing to compare");
        return;
    }
    files.sort();
    let mut failures = Vec::new();
    for f in &files {
        let dir = f.parent().expect("parent");
        let run = |mut cmd: std::process::Command| {
            cmd.arg("--parse")
                .arg(f)
                .current_dir(dir)
                .env_remove("NIX_PATH")
                .env("HOME", "/fake-home")
                .env("TVIX_STORE", "memory://")
                .output()
                .expect("runs")
        };
        let ours = run(our_binary("tvix"));
        let theirs = run(reference::command("nix-instantiate"));
        if ours.status.code() != theirs.status.code() || ours.stdout != theirs.stdout {
            failures.push(format!(
                "{}:\n  nix-instantiate ({:?}): {}\n  tvix ({:?}): {}{}",
                f.display(),
                theirs.status.code(),
                String::from_utf8_lossy(&theirs.stdout),
                ours.status.code(),
                String::from_utf8_lossy(&ours.stdout),
                String::from_utf8_lossy(&ours.stderr)
            ));
        }
    }
    println!("--parse compared on {} files", files.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Runs `tvix --parse -` and `nix-instantiate --parse -` on `expr` and
/// describes the difference of exit status, stdout or stderr, if any.
fn parse_difference(expr: &str) -> Option<String> {
    use std::io::Write;
    let run = |mut cmd: std::process::Command| {
        let mut child = cmd
            .args(["--parse", "-"])
            .env_remove("NIX_PATH")
            .env("HOME", "/fake-home")
            .env("TVIX_STORE", "memory://")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("runs");
        let mut stdin = child.stdin.take().expect("piped");
        stdin.write_all(expr.as_bytes()).expect("writes stdin");
        drop(stdin);
        child.wait_with_output().expect("waits")
    };
    let ours = run(our_binary("tvix"));
    let theirs = run(reference::command("nix-instantiate"));
    reference::difference(expr, &ours, &theirs)
}

fn cases(file: &str) -> Vec<String> {
    case_lines(&format!("differential/syntax-errors/{file}"))
}

#[test]
fn syntax_errors_match_nix_instantiate() {
    let all = cases("cases.txt");
    let failures: Vec<_> = all.iter().filter_map(|e| parse_difference(e)).collect();
    let pending = cases("notyetpassing/cases.txt");
    let still = pending
        .iter()
        .filter(|e| parse_difference(e).is_some())
        .count();
    println!(
        "syntax errors: {} of {} identical to nix-instantiate; notyetpassing: {} listed, {} still differ",
        all.len() - failures.len(),
        all.len(),
        pending.len(),
        still
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
