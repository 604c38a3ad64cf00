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
