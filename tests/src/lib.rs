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
