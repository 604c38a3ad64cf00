//! Helpers shared by this crate's unit tests: a layer that records what
//! reaches it, and an in-memory log writer.

use std::{
    io,
    sync::{Arc, Mutex, PoisonError},
};

use tracing::{Level, Subscriber, span};
use tracing_subscriber::{
    fmt::MakeWriter,
    layer::{Context, Layer},
};

/// One event or span seen by a [`Recorder`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Seen {
    /// Whether it is a span (else an event).
    pub(crate) span: bool,
    pub(crate) name: String,
    pub(crate) target: String,
    pub(crate) level: Level,
}

/// A layer recording the kind, name, target and level of every event and
/// new span it is given.
#[derive(Clone, Default)]
pub(crate) struct Recorder {
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Recorder {
    pub(crate) fn seen(&self) -> Vec<Seen> {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn record(&self, span: bool, meta: &tracing::Metadata<'_>) {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Seen {
                span,
                name: meta.name().to_owned(),
                target: meta.target().to_owned(),
                level: *meta.level(),
            });
    }
}

impl<S: Subscriber> Layer<S> for Recorder {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        self.record(false, event.metadata());
    }

    fn on_new_span(&self, attrs: &span::Attributes<'_>, _id: &span::Id, _ctx: Context<'_, S>) {
        self.record(true, attrs.metadata());
    }
}

/// A `MakeWriter` appending every log line to a shared buffer.
#[derive(Clone, Default)]
pub(crate) struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
    }
}

impl io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}
