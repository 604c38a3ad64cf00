//! The one entry point binaries call: [`TracingBuilder`] assembles the
//! subscriber (log lines, progress bars, OpenTelemetry) and installs it
//! globally.
//!
//! Layers and their filters:
//!
//! - log lines (compact, stderr) and the OpenTelemetry layer share the
//!   `RUST_LOG` filter;
//! - the progress-bar layer sees only progress spans
//!   ([`crate::progress::ProgressFilter`]), whatever `RUST_LOG` says.

use std::io::{self, IsTerminal};

use tracing_subscriber::{
    Layer,
    fmt::{MakeWriter, writer::BoxMakeWriter},
    layer::SubscriberExt,
    registry::LookupSpan,
    util::SubscriberInitExt,
};

use crate::{
    Error, TracingHandle, filter,
    handle::BarWriters,
    progress::{self, ProgressFilter},
    telemetry,
};

/// Sets up logging, progress bars and trace export for a binary. Call
/// [`build`](Self::build) once, at the start of `main`; see the crate docs
/// for an example.
#[derive(Clone, Debug, Default)]
#[must_use = "a TracingBuilder does nothing until `build` is called"]
pub struct TracingBuilder {
    progress_bars: bool,
    service_name: Option<String>,
}

impl TracingBuilder {
    /// Draws progress bars for progress spans, when stderr is a terminal.
    pub fn enable_progressbar(mut self) -> Self {
        self.progress_bars = true;
        self
    }

    /// The OpenTelemetry service name (usually the program's name), used when
    /// neither `OTEL_SERVICE_NAME` nor `service.name` in
    /// `OTEL_RESOURCE_ATTRIBUTES` is set. Without the `otlp` feature it has
    /// no effect.
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.service_name = Some(name.into());
        self
    }

    /// Installs the global subscriber (and the `log` bridge), reading
    /// `RUST_LOG` and the `OTEL_*` variables.
    ///
    /// Fails if `RUST_LOG` is malformed, if a subscriber is already
    /// installed, or if the environment asks for OTLP export and the
    /// exporter cannot be configured.
    pub fn build(self) -> Result<TracingHandle, Error> {
        let env = |name: &str| std::env::var(name).ok();
        let env: telemetry::Env<'_> = &env;

        let filter = filter::env_filter(env(filter::RUST_LOG).as_deref())?;
        let stderr_is_terminal = io::stderr().is_terminal();
        let ansi = stderr_is_terminal && env("NO_COLOR").is_none_or(|v| v.is_empty());

        // No bars when stderr is not a terminal: indicatif would hide them
        // anyway, and log lines then go straight to stderr.
        let bar_layer = (self.progress_bars && stderr_is_terminal).then(progress::bar_layer);
        let bars = bar_layer.as_ref().map(|layer| BarWriters {
            stdout: layer.get_stdout_writer(),
            stderr: layer.get_stderr_writer(),
        });
        let log_writer = match &bars {
            Some(bars) => BoxMakeWriter::new(bars.stderr.clone()),
            None => BoxMakeWriter::new(io::stderr),
        };

        let request = telemetry::export_request(env);
        #[cfg(feature = "otlp")]
        let pipeline = match request.export {
            true => Some(telemetry::Pipeline::start(
                telemetry::explicit_service_name(env, self.service_name.as_deref()),
            )?),
            false => None,
        };

        let log_layer = fmt_layer(log_writer, ansi);
        #[cfg(feature = "otlp")]
        let log_layer = log_layer.and_then(pipeline.as_ref().map(|p| p.layer()));

        tracing_subscriber::registry()
            .with(bar_layer.map(|layer| layer.with_filter(ProgressFilter)))
            .with(log_layer.with_filter(filter))
            .try_init()
            .map_err(Error::AlreadyInstalled)?;
        // Only once our subscriber is in place, so a failed `build` leaves
        // the process's OpenTelemetry globals alone.
        #[cfg(feature = "otlp")]
        if let Some(pipeline) = &pipeline {
            pipeline.register_globals();
        }

        for warning in &request.warnings {
            tracing::warn!("{warning}");
        }

        Ok(TracingHandle::new(
            bars,
            io::stdout().is_terminal(),
            #[cfg(feature = "otlp")]
            pipeline,
        ))
    }
}

/// The log-line layer: compact lines, one write per event (so a suspending
/// writer prints each line whole), without the progress marker field.
pub(crate) fn fmt_layer<S, W>(writer: W, ansi: bool) -> impl Layer<S> + Send + Sync + 'static
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt::layer()
        .compact()
        .fmt_fields(progress::fields_without_marker())
        .with_ansi(ansi)
        .with_writer(writer)
}
