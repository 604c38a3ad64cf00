//! Integration tests of tvix-eval through its public API: the golden suite
//! (`tests/cases`, outputs produced by C++ Nix 2.26), regressions, and deep
//! recursion. One binary for the crate, one module per concern.

mod fastpaths;
mod golden;
mod recursion;
mod regressions;

use std::{sync::mpsc, thread, time::Duration};

use tvix_eval::EvaluationBuilder;

/// How `check` evaluates: as `nix-instantiate --eval`, with or without `--strict`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Lazy,
    Strict,
}

/// Evaluates `src` and returns what `nix-instantiate --eval [--strict] -E`
/// prints on success, or the rendered error.
pub(crate) fn eval(src: &str, mode: Mode) -> Result<String, String> {
    let eval = EvaluationBuilder::new().build();
    let v = eval
        .evaluate_expr(src.as_bytes(), None)
        .map_err(|e| eval.render_error(&e, false))?;
    if mode == Mode::Strict {
        eval.force_deep(&v)
            .map_err(|e| eval.render_error(&e, false))?;
    }
    Ok(String::from_utf8_lossy(&eval.print(&v)).into_owned())
}

/// Runs `f` on a fresh thread and fails the test if it has not finished
/// after `secs` seconds: a guard against hangs (a hang would otherwise stall
/// the whole test run), not a speed measurement.
pub(crate) fn within<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(v) => v,
        Err(e) => panic!("did not finish within {secs} s ({e})"),
    }
}
