//! `RUST_LOG` parsing: the default, explicit directives, and bad values.

use rstest::rstest;
use tracing::Level;
use tracing_subscriber::{Layer, layer::SubscriberExt};

use super::env_filter;
use crate::{Error, test_support::Recorder};

/// Emits one event at every level for each target in the list. Targets are
/// literals because a callsite's target is static.
macro_rules! emit_grid {
    ($($target:literal),*) => {$(
        tracing::event!(target: $target, Level::ERROR, "probe");
        tracing::event!(target: $target, Level::WARN, "probe");
        tracing::event!(target: $target, Level::INFO, "probe");
        tracing::event!(target: $target, Level::DEBUG, "probe");
        tracing::event!(target: $target, Level::TRACE, "probe");
    )*};
}

/// The most verbose level at which each probed target got through the filter
/// built from `rust_log` (`None`: nothing got through).
fn most_verbose_passing(rust_log: Option<&str>) -> Vec<(&'static str, Option<Level>)> {
    let filter = env_filter(rust_log).expect("filter parses");
    let recorder = Recorder::default();
    let subscriber = tracing_subscriber::registry().with(recorder.clone().with_filter(filter));
    tracing::subscriber::with_default(subscriber, || {
        emit_grid!(
            "tvix_store::nar",
            "tvix_castore",
            "nix_compat::store_path",
            "hyper::client",
            "h2"
        );
    });
    let seen = recorder.seen();
    [
        "tvix_store::nar",
        "tvix_castore",
        "nix_compat::store_path",
        "hyper::client",
        "h2",
    ]
    .into_iter()
    .map(|target| {
        // Level's Ord: TRACE is the "largest" (most verbose).
        let max = seen
            .iter()
            .filter(|s| s.target == target)
            .map(|s| s.level)
            .max();
        (target, max)
    })
    .collect()
}

const I: Option<Level> = Some(Level::INFO);
const W: Option<Level> = Some(Level::WARN);
const E: Option<Level> = Some(Level::ERROR);
const D: Option<Level> = Some(Level::DEBUG);
const T: Option<Level> = Some(Level::TRACE);

#[rstest]
#[case::unset(None, [I, I, I, W, W])]
#[case::empty(Some(""), [I, I, I, W, W])]
#[case::blank(Some("  "), [I, I, I, W, W])]
#[case::global_debug(Some("debug"), [D, D, D, D, D])]
// A directive naming only targets leaves every other target off, as
// RUST_LOG does everywhere (add a global level to keep the rest).
#[case::one_target_only(Some("tvix_castore=trace"), [None, T, None, None, None])]
#[case::target_and_global(Some("error,tvix_castore=trace"), [E, T, E, E, E])]
#[case::level_and_targets(Some("info,hyper=off,tvix_store=debug"), [D, I, I, None, I])]
#[case::prefix_of_module_path(Some("warn,nix_compat=trace"), [W, W, T, W, W])]
#[case::case_insensitive_level(Some("WARN"), [W, W, W, W, W])]
fn filter_levels(#[case] rust_log: Option<&str>, #[case] expected: [Option<Level>; 5]) {
    let got: Vec<_> = most_verbose_passing(rust_log)
        .into_iter()
        .map(|(_, level)| level)
        .collect();
    assert_eq!(got, expected, "RUST_LOG={rust_log:?}");
}

#[rstest]
#[case::bad_level("tvix=loud")]
#[case::bad_span_filter("[{")]
#[case::bad_level_after_good_one("tvix_store=debug,hyper=nope")]
fn malformed_rust_log_is_an_error(#[case] value: &str) {
    let err = env_filter(Some(value)).expect_err("must not parse");
    match &err {
        Error::InvalidFilter { value: v, .. } => assert_eq!(v, value),
        other => panic!("unexpected error {other:?}"),
    }
    assert!(err.to_string().contains(value), "{err}");
}
