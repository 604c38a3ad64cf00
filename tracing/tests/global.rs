//! Installing the global subscriber: the first `build` succeeds, every
//! later one fails with a clear error instead of panicking. One test in its
//! own binary, because the global subscriber is per process.

use tvix_tracing::{Error, TracingBuilder};

#[test]
fn second_build_reports_an_installed_subscriber() {
    let handle = TracingBuilder::default()
        .service_name("tvix-tracing-test")
        .enable_progressbar()
        .build()
        .expect("first build installs the subscriber");
    // Under `cargo test` no OTEL_* variables are set: nothing is exported.
    assert!(!handle.exporting_traces());
    tracing::info!("logging works");

    for builder in [
        TracingBuilder::default(),
        TracingBuilder::default().enable_progressbar(),
    ] {
        let err = builder
            .build()
            .expect_err("a subscriber is already installed");
        assert!(matches!(err, Error::AlreadyInstalled(_)), "{err:?}");
        assert_eq!(
            err.to_string(),
            "a global tracing subscriber is already installed"
        );
        assert!(std::error::Error::source(&err).is_some());
    }

    // The first handle still works after the failed attempts.
    handle.flush().expect("flush");
    handle.shutdown().expect("shutdown");
    tracing::info!("logging still works after shutdown");
}
