//! Integration tests of the `tvix-store` (and later `tvix`) binaries: each test
//! runs the built binary and compares its output with a snapshot. Expected values
//! come from the reference C++ Nix where noted.

mod castore;
mod eval_args;
mod eval_golden;
mod hash;
mod nar;
mod store;

use std::{path::Path, process::Command};

/// Output of one run of a binary.
pub(crate) struct Run {
    pub(crate) status: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

/// Runs `tvix-store` with `args` in `cwd`.
pub(crate) fn tvix_store(cwd: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_tvix-store"))
        .args(args)
        .current_dir(cwd)
        .env_remove("RUST_LOG")
        .output()
        .expect("tvix-store runs");
    Run {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
