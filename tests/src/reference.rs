//! Locating and running the reference C++ Nix for differential tests.
//!
//! The reference is installed by `../shared/tools/install-reference-nix` into
//! `/opt/nix-ref` (override with `NIX_REF_PREFIX`). Its wrappers use a private,
//! throw-away store state, so tests may add paths freely.

use std::{
    path::PathBuf,
    process::{Command, Output},
};

/// The `bin` directory of the reference Nix.
pub fn bin_dir() -> PathBuf {
    let prefix = std::env::var_os("NIX_REF_PREFIX").unwrap_or_else(|| "/opt/nix-ref".into());
    PathBuf::from(prefix).join("bin")
}

/// A command for one of the reference tools (`nix`, `nix-store`, `nix-instantiate`, ...).
///
/// # Panics
/// If the tool is missing: differential tests only run when the reference is
/// installed (feature `reference`), so a missing tool is a setup error.
pub fn command(tool: &str) -> Command {
    let path = bin_dir().join(tool);
    assert!(
        path.exists(),
        "reference tool {} is missing; run ../shared/tools/install-reference-nix",
        path.display()
    );
    Command::new(path)
}

/// Runs a reference tool with `args`, returning its output; panics with the
/// tool's stderr if it fails.
pub fn run(tool: &str, args: &[&str]) -> Vec<u8> {
    let out = command(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run reference {tool}: {e}"));
    check(tool, args, out)
}

/// Like [`run`], feeding `stdin`.
pub fn run_with_stdin(tool: &str, args: &[&str], stdin: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut child = command(tool)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run reference {tool}: {e}"));
    let mut input = child.stdin.take().expect("stdin is piped");
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || input.write_all(&data));
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("reference {tool} failed: {e}"));
    // A tool may exit without reading all input; that shows in its status.
    let _ = writer.join();
    check(tool, args, out)
}

fn check(tool: &str, args: &[&str], out: Output) -> Vec<u8> {
    assert!(
        out.status.success(),
        "reference {tool} {args:?} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Runs a reference tool and returns (success, stdout, stderr) without asserting.
pub fn try_run(tool: &str, args: &[&str]) -> (bool, Vec<u8>, String) {
    let out = command(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run reference {tool}: {e}"));
    (
        out.status.success(),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Whether our output and the reference's on `input` differ in exit
/// status, stdout or stderr; if so, both described for a failure message.
pub fn difference(input: &str, ours: &Output, theirs: &Output) -> Option<String> {
    let show = |o: &Output| {
        format!(
            "({:?}) {}{}",
            o.status.code(),
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    (ours.status.code() != theirs.status.code()
        || ours.stdout != theirs.stdout
        || ours.stderr != theirs.stderr)
        .then(|| {
            format!(
                "{input}\n  nix-instantiate {}\n  tvix {}",
                show(theirs),
                show(ours)
            )
        })
}
