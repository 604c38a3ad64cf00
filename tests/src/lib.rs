//! Helpers shared by the workspace's end-to-end and differential tests.
//!
//! The crate is dev-only: nothing depends on it. Its test binaries are
//! `it` (end-to-end scenarios and repository tidiness checks, always run) and
//! `differential` (comparisons with the reference C++ Nix, feature `reference`).

#[cfg(unix)]
pub mod fstree;
pub mod reference;

use std::path::PathBuf;

/// The workspace root (the parent of this crate's folder).
pub fn workspace_root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(PathBuf::from).unwrap_or(here)
}

/// The cases of a line-per-case table of this crate (`relative` to its
/// folder, e.g. `differential/flake-refs/cases.txt`): its lines that are
/// neither empty nor `#` comments.
///
/// # Panics
/// If the file cannot be read.
pub fn case_lines(relative: &str) -> Vec<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// A command for one of our binaries (`tvix-store`, `tvix`), as built by
/// `cargo build` (or `cargo test --workspace`) into the target directory's
/// `debug` profile (`CARGO_TARGET_DIR` is honoured).
///
/// # Panics
/// If the binary has not been built: build it first with
/// `cargo build -p tvix-cli` (`.ci/run` does).
pub fn our_binary(name: &str) -> std::process::Command {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    let path = target.join("debug").join(name);
    assert!(
        path.exists(),
        "{} is missing; build it with `cargo build -p tvix-cli`",
        path.display()
    );
    std::process::Command::new(path)
}
