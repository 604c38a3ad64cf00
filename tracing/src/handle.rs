//! What a binary keeps after setting up tracing: writers for its own output,
//! and the flush/shutdown of trace export.

use std::io::{self, Write};

use tracing_indicatif::writer::{IndicatifWriter, Stderr, Stdout};

use crate::{Error, OutputWriter};

/// Returned by [`TracingBuilder::build`](crate::TracingBuilder::build); keep it
/// until the program exits, print through [`stdout`](Self::stdout) and
/// [`stderr`](Self::stderr), and call [`shutdown`](Self::shutdown) last.
///
/// Dropping the handle also shuts trace export down (exporting what is left),
/// but cannot report errors. Progress bars and log lines keep working after
/// shutdown or drop: the subscriber stays installed for the whole process.
#[must_use = "dropping the handle shuts trace export down; keep it until the program exits"]
pub struct TracingHandle {
    /// Writers that suspend the progress bars, when bars are drawn.
    bars: Option<BarWriters>,
    /// Whether stdout is the terminal the bars are drawn on.
    stdout_is_terminal: bool,
    #[cfg(feature = "otlp")]
    pipeline: Option<crate::telemetry::Pipeline>,
}

pub(crate) struct BarWriters {
    pub(crate) stdout: IndicatifWriter<Stdout>,
    pub(crate) stderr: IndicatifWriter<Stderr>,
}

impl TracingHandle {
    pub(crate) fn new(
        bars: Option<BarWriters>,
        stdout_is_terminal: bool,
        #[cfg(feature = "otlp")] pipeline: Option<crate::telemetry::Pipeline>,
    ) -> Self {
        Self {
            bars,
            stdout_is_terminal,
            #[cfg(feature = "otlp")]
            pipeline,
        }
    }

    /// A writer for the program's output on stdout. When progress bars are
    /// drawn and stdout is the same terminal, it prints whole lines with the
    /// bars suspended; otherwise it writes straight to stdout.
    pub fn stdout(&self) -> OutputWriter {
        match &self.bars {
            Some(bars) if self.stdout_is_terminal => {
                OutputWriter::line_buffered(Box::new(bars.stdout.clone()))
            }
            _ => OutputWriter::direct(Box::new(io::stdout())),
        }
    }

    /// A writer for the program's messages on stderr, printing whole lines
    /// with the progress bars suspended when bars are drawn.
    pub fn stderr(&self) -> OutputWriter {
        match &self.bars {
            Some(bars) => OutputWriter::line_buffered(Box::new(bars.stderr.clone())),
            None => OutputWriter::direct(Box::new(io::stderr())),
        }
    }

    /// Whether progress bars are drawn (enabled by the builder, and stderr is
    /// a terminal).
    pub fn progress_bars_shown(&self) -> bool {
        self.bars.is_some()
    }

    /// Whether spans are exported over OTLP (feature `otlp` and the `OTEL_*`
    /// variables ask for it).
    pub fn exporting_traces(&self) -> bool {
        #[cfg(feature = "otlp")]
        return self.pipeline.is_some();
        #[cfg(not(feature = "otlp"))]
        return false;
    }

    /// Exports every finished span now, and flushes stdout and stderr.
    pub fn flush(&self) -> Result<(), Error> {
        #[cfg(feature = "otlp")]
        if let Some(pipeline) = &self.pipeline {
            pipeline.flush()?;
        }
        flush_std()
    }

    /// Exports the remaining spans, stops the exporter, and flushes stdout and
    /// stderr. Call it once, just before the program exits. Logging keeps
    /// working afterwards; only export stops.
    pub fn shutdown(self) -> Result<(), Error> {
        #[cfg(feature = "otlp")]
        if let Some(pipeline) = self.pipeline {
            pipeline.shutdown()?;
        }
        flush_std()
    }
}

fn flush_std() -> Result<(), Error> {
    io::stdout().flush().map_err(Error::Io)?;
    io::stderr().flush().map_err(Error::Io)
}

impl std::fmt::Debug for TracingHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TracingHandle")
            .field("progress_bars_shown", &self.progress_bars_shown())
            .field("exporting_traces", &self.exporting_traces())
            .finish_non_exhaustive()
    }
}
