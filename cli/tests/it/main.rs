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

/// Starts `tvix-store --store=memory:// daemon` on the Unix socket `sock`
/// and waits (without a time limit; a failed start ends the wait) until it
/// listens.
pub(crate) fn start_daemon(sock: &Path) -> std::process::Child {
    let mut daemon = Command::new(env!("CARGO_BIN_EXE_tvix-store"))
        .args(["--store=memory://", "daemon", "--listen"])
        .arg(format!("unix:{}", sock.display()))
        .env_remove("RUST_LOG")
        .spawn()
        .expect("daemon starts");
    while !sock.exists() {
        if let Some(status) = daemon.try_wait().expect("wait") {
            panic!("daemon exited early: {status}");
        }
        std::thread::yield_now();
    }
    daemon
}

/// Sends SIGTERM to a daemon and checks that it exits with status 0.
pub(crate) fn stop_daemon(mut daemon: std::process::Child) {
    let kill = Command::new("kill")
        .args(["-TERM", &daemon.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    let status = daemon.wait().expect("daemon exits");
    assert!(status.success(), "{status}");
}
