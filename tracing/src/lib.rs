//! Logging, progress bars and OpenTelemetry for the tvix binaries, in one place.
//!
//! Libraries never initialise logging: they emit spans and events through the
//! [`tracing`] crate, mark long-running work as a *progress span*
//! ([`progress_span!`], [`ProgressSpanExt`]) and propagate trace context over
//! the network (`propagate`, features `http` and `tonic`). Binaries call
//! [`TracingBuilder`] once, at the start of `main`, and
//! [`TracingHandle::shutdown`] before exiting.
//!
//! What the subscriber does:
//!
//! - **Log lines** go to stderr in a compact format, filtered by `RUST_LOG`
//!   only (an [`EnvFilter`](tracing_subscriber::EnvFilter)); when it is unset or
//!   empty the filter is [`DEFAULT_FILTER`]: `info` for our crates, `warn` for
//!   dependencies. A malformed `RUST_LOG` is an error naming the value.
//! - **Progress bars** (with [`TracingBuilder::enable_progressbar`]) are drawn
//!   on stderr for progress spans, only when stderr is a terminal. Log lines
//!   and the writers from [`TracingHandle::stdout`] / [`TracingHandle::stderr`]
//!   suspend the bars while they print whole lines, so the two never garble
//!   each other.
//! - **OpenTelemetry export** (feature `otlp`) is switched on at run time by
//!   the standard `OTEL_*` variables (`OTEL_EXPORTER_OTLP_ENDPOINT`,
//!   `OTEL_TRACES_EXPORTER=otlp`, ...), sends spans over OTLP/gRPC through a
//!   batch processor, and is flushed by [`TracingHandle::shutdown`] (or, as a
//!   fallback, when the handle is dropped).
//!
//! # Example: a binary
//!
//! ```
//! use std::io::Write;
//! use tvix_tracing::{ProgressSpanExt, ProgressStyle, TracingBuilder, progress_span};
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let handle = TracingBuilder::default()
//!         .service_name("tvix-store")
//!         .enable_progressbar()
//!         .build()?;
//!
//!     // Library code: a progress span with a byte counter.
//!     let span = progress_span!("dump_nar", path = "/nix/store/…-hello");
//!     span.progress_set_style(ProgressStyle::Bytes);
//!     span.progress_set_length(1024);
//!     {
//!         let _entered = span.enter();
//!         span.progress_inc(1024);
//!         tracing::info!("dumped");
//!     }
//!
//!     // The program's output goes through the handle's writer, so it never
//!     // lands in the middle of a progress bar.
//!     let mut out = handle.stdout();
//!     writeln!(out, "sha256:…")?;
//!     out.flush()?;
//!
//!     handle.shutdown()?;
//!     Ok(())
//! }
//! ```
//!
//! # Features
//!
//! None is on by default; the default build has no OpenTelemetry, HTTP or
//! gRPC dependency.
//!
//! - `otlp`: OTLP/gRPC span export (opentelemetry, opentelemetry_sdk,
//!   opentelemetry-otlp, tracing-opentelemetry, tokio).
//! - `http`: W3C trace-context propagation over HTTP headers
//!   (`propagate::http`).
//! - `tonic` (implies `http`): propagation over gRPC metadata, a client
//!   interceptor and a server-span helper (`propagate::grpc`).
//! - `otel` is internal (the OpenTelemetry core the others share); do not
//!   enable it directly.
//!
//! The user-facing description (variables, conventions) is the `tracing`
//! chapter of the book (`docs/src/tracing.md`).

mod builder;
mod error;
mod filter;
mod handle;
mod output;
pub mod progress;
#[cfg(feature = "http")]
pub mod propagate;
mod telemetry;
#[cfg(test)]
mod test_support;

pub use builder::TracingBuilder;
pub use error::Error;
pub use filter::DEFAULT_FILTER;
pub use handle::TracingHandle;
pub use output::OutputWriter;
pub use progress::{ProgressReader, ProgressSpanExt, ProgressStyle, ProgressWriter};

/// Re-exports used by this crate's macros; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use tracing;
}
