//! The error of setting up and shutting down tracing: the one thing a binary
//! must handle from this crate.

/// Why tracing could not be set up, flushed or shut down.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `RUST_LOG` holds a directive the filter cannot parse.
    #[error("invalid RUST_LOG value {value:?}")]
    InvalidFilter {
        /// The value of `RUST_LOG`.
        value: String,
        /// What is wrong with it.
        #[source]
        source: tracing_subscriber::filter::ParseError,
    },
    /// A global subscriber (or `log` logger) is already installed: `build` was
    /// called twice, or another crate installed one.
    #[error("a global tracing subscriber is already installed")]
    AlreadyInstalled(#[source] tracing_subscriber::util::TryInitError),
    /// The OTLP exporter could not be configured (bad endpoint, headers,
    /// timeout, ...) or its runtime could not be started. Only with the `otlp`
    /// feature.
    #[error("cannot set up the OTLP trace exporter")]
    OtlpSetup(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
    /// Pending spans could not be exported on flush or shutdown. Only with the
    /// `otlp` feature.
    #[error("cannot flush the OTLP trace exporter")]
    OtlpFlush(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
    /// Standard output or standard error could not be flushed.
    #[error("cannot flush standard output")]
    Io(#[source] std::io::Error),
}
