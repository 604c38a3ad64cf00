//! Progress bars tied to tracing spans, and the convention libraries follow to
//! ask for one without depending on a terminal library.
//!
//! # The convention
//!
//! A *progress span* is an `INFO` (or more severe) span with the field
//! `indicatif.pb_show` (its value is ignored; use
//! [`tracing::field::Empty`] so it never shows up in logs). The
//! [`progress_span!`](crate::progress_span) macro creates one:
//!
//! ```
//! use tvix_tracing::{ProgressSpanExt, ProgressStyle, progress_span};
//!
//! let span = progress_span!("ingest", path = "/tmp/src");
//! // equivalent to:
//! let _same = tracing::info_span!("ingest", indicatif.pb_show = tracing::field::Empty, path = "/tmp/src");
//!
//! span.progress_set_style(ProgressStyle::Count);
//! span.progress_set_length(3);
//! let _entered = span.enter(); // the bar appears when the span is first entered
//! for _file in ["a", "b", "c"] {
//!     span.progress_inc(1);
//! }
//! ```
//!
//! The binary decides whether bars are drawn
//! ([`TracingBuilder::enable_progressbar`](crate::TracingBuilder::enable_progressbar),
//! and only when stderr is a terminal). Without bars, every method of
//! [`ProgressSpanExt`] is a cheap no-op, so library code calls them
//! unconditionally. Bars do not depend on `RUST_LOG`: a progress span shows a
//! bar even when the filter hides it from the log.
//!
//! A bar lives as long as its span: it appears when the span is first
//! entered and disappears when the span closes. Nested progress spans are
//! drawn indented below their parent.
//!
//! For byte streams, wrap the reader or writer in [`ProgressReader`] or
//! [`ProgressWriter`]: they advance the span's bar by the bytes that pass.

use std::io::{self, Read, Write};

use indicatif::ProgressStyle as BarStyle;
use tracing::{Level, Metadata, Span, subscriber::Interest};
use tracing_indicatif::{IndicatifLayer, span_ext::IndicatifSpanExt};
use tracing_subscriber::{
    filter::LevelFilter,
    fmt::format::DefaultFields,
    layer::{Context, Filter},
    registry::LookupSpan,
};

/// The field that marks a span as a progress span (see the module docs).
pub const PROGRESS_FIELD: &str = "indicatif.pb_show";

/// Creates an `INFO` progress span: `info_span!` plus the
/// [`PROGRESS_FIELD`] marker. Takes a name and optional fields, as
/// [`tracing::info_span!`] does.
///
/// ```
/// let size = 1024_u64;
/// let span = tvix_tracing::progress_span!("dump_nar", path = %"/nix/store/…", size);
/// # let _ = span;
/// ```
#[macro_export]
macro_rules! progress_span {
    ($name:expr $(,)?) => {
        $crate::__private::tracing::info_span!(
            $name,
            indicatif.pb_show = $crate::__private::tracing::field::Empty
        )
    };
    ($name:expr, $($fields:tt)+) => {
        $crate::__private::tracing::info_span!(
            $name,
            indicatif.pb_show = $crate::__private::tracing::field::Empty,
            $($fields)+
        )
    };
}

/// How a progress span's bar looks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProgressStyle {
    /// A spinner with the span's name, fields and message: work of unknown
    /// size. The default.
    #[default]
    Spinner,
    /// A bar counting items: `[=====>    ] 12/40`. Set a length.
    Count,
    /// A bar counting bytes, with rate and time left. Set a length.
    Bytes,
    /// A spinner counting bytes and rate, for streams of unknown length.
    ByteStream,
}

impl ProgressStyle {
    /// Every style, for tests and docs.
    #[cfg(test)]
    pub(crate) const ALL: [ProgressStyle; 4] = [
        ProgressStyle::Spinner,
        ProgressStyle::Count,
        ProgressStyle::Bytes,
        ProgressStyle::ByteStream,
    ];

    /// The indicatif template. `span_child_prefix`, `span_name` and
    /// `span_fields` are keys added by tracing-indicatif.
    fn template(self) -> &'static str {
        match self {
            ProgressStyle::Spinner => {
                "{span_child_prefix}{spinner} {span_name}{{{span_fields}}} {wide_msg} {elapsed}"
            }
            ProgressStyle::Count => {
                "{span_child_prefix}{spinner} {span_name}{{{span_fields}}} {msg} [{bar:30}] {pos}/{len} {elapsed}"
            }
            ProgressStyle::Bytes => {
                "{span_child_prefix}{spinner} {span_name}{{{span_fields}}} {msg} [{bar:30}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} {eta}"
            }
            ProgressStyle::ByteStream => {
                "{span_child_prefix}{spinner} {span_name}{{{span_fields}}} {msg} {binary_bytes} {binary_bytes_per_sec} {elapsed}"
            }
        }
    }

    /// The indicatif style. Every template is checked by a test; should one
    /// still not parse, the plain spinner is used rather than failing.
    pub(crate) fn bar_style(self) -> BarStyle {
        BarStyle::with_template(self.template())
            .map(|style| style.progress_chars("=> "))
            .unwrap_or_else(|_| BarStyle::default_spinner())
    }
}

/// Updates the progress bar of a span, if it has one. Implemented for
/// [`tracing::Span`]; every method is a no-op when the span has no bar
/// (bars disabled, not a terminal, not a progress span, span disabled).
pub trait ProgressSpanExt: sealed::Sealed {
    /// Sets how the bar looks. Call it before the span is first entered to
    /// avoid a flash of the default spinner.
    fn progress_set_style(&self, style: ProgressStyle);
    /// Sets the total (items or bytes) the bar counts towards.
    fn progress_set_length(&self, len: u64);
    /// Sets the position (items or bytes done).
    fn progress_set_position(&self, pos: u64);
    /// Advances the position by `delta`.
    fn progress_inc(&self, delta: u64);
    /// Sets the message shown next to the span's name.
    fn progress_set_message(&self, msg: &str);
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for tracing::Span {}
}

impl ProgressSpanExt for Span {
    fn progress_set_style(&self, style: ProgressStyle) {
        self.pb_set_style(&style.bar_style());
    }

    fn progress_set_length(&self, len: u64) {
        self.pb_set_length(len);
    }

    fn progress_set_position(&self, pos: u64) {
        self.pb_set_position(pos);
    }

    fn progress_inc(&self, delta: u64) {
        self.pb_inc(delta);
    }

    fn progress_set_message(&self, msg: &str) {
        self.pb_set_message(msg);
    }
}

/// Bytes are reported to the bar in steps of at least this many, so tiny
/// writes (NAR padding, headers) do not each pay for a subscriber lookup.
const REPORT_EVERY: u64 = 64 * 1024;

/// Counts bytes for a span and reports them in steps of [`REPORT_EVERY`].
#[derive(Debug)]
struct ByteCounter {
    span: Span,
    unreported: u64,
}

impl ByteCounter {
    fn new(span: Span) -> Self {
        Self {
            span,
            unreported: 0,
        }
    }

    /// Adds `n` bytes; returns what should be reported to the bar now.
    fn add(&mut self, n: usize) -> Option<u64> {
        self.unreported = self.unreported.saturating_add(n as u64);
        (self.unreported >= REPORT_EVERY).then(|| std::mem::take(&mut self.unreported))
    }

    fn count(&mut self, n: usize) {
        if let Some(delta) = self.add(n) {
            self.span.progress_inc(delta);
        }
    }

    fn report_rest(&mut self) {
        let rest = std::mem::take(&mut self.unreported);
        if rest > 0 {
            self.span.progress_inc(rest);
        }
    }
}

impl Drop for ByteCounter {
    fn drop(&mut self) {
        self.report_rest();
    }
}

/// A [`Write`] adapter advancing a span's bar by the bytes written through it
/// (use [`ProgressStyle::Bytes`] or [`ProgressStyle::ByteStream`]).
#[derive(Debug)]
pub struct ProgressWriter<W> {
    inner: W,
    counter: ByteCounter,
}

impl<W> ProgressWriter<W> {
    /// Wraps `inner`; written bytes advance `span`'s bar.
    pub fn new(inner: W, span: Span) -> Self {
        Self {
            inner,
            counter: ByteCounter::new(span),
        }
    }

    /// Returns the wrapped writer, after reporting the bytes not yet shown.
    pub fn into_inner(self) -> W {
        let Self { inner, counter } = self;
        drop(counter);
        inner
    }
}

impl<W: Write> Write for ProgressWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.counter.count(n);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.counter.report_rest();
        self.inner.flush()
    }
}

/// A [`Read`] adapter advancing a span's bar by the bytes read through it.
#[derive(Debug)]
pub struct ProgressReader<R> {
    inner: R,
    counter: ByteCounter,
}

impl<R> ProgressReader<R> {
    /// Wraps `inner`; read bytes advance `span`'s bar.
    pub fn new(inner: R, span: Span) -> Self {
        Self {
            inner,
            counter: ByteCounter::new(span),
        }
    }

    /// Returns the wrapped reader, after reporting the bytes not yet shown.
    pub fn into_inner(self) -> R {
        let Self { inner, counter } = self;
        drop(counter);
        inner
    }
}

impl<R: Read> Read for ProgressReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 {
            self.counter.report_rest();
        } else {
            self.counter.count(n);
        }
        Ok(n)
    }
}

/// Whether `meta` is a progress span: an `INFO`-or-more-severe span carrying
/// [`PROGRESS_FIELD`].
fn is_progress_span(meta: &Metadata<'_>) -> bool {
    meta.is_span() && *meta.level() <= Level::INFO && meta.fields().field(PROGRESS_FIELD).is_some()
}

/// The per-layer filter in front of the bar layer: only progress spans. It
/// decides per callsite (never per call) and caps its level at `INFO`, so
/// `debug!`/`trace!` callsites stay disabled at no cost when `RUST_LOG` does
/// not ask for them.
pub(crate) struct ProgressFilter;

impl<S> Filter<S> for ProgressFilter {
    fn enabled(&self, meta: &Metadata<'_>, _: &Context<'_, S>) -> bool {
        is_progress_span(meta)
    }

    fn callsite_enabled(&self, meta: &'static Metadata<'static>) -> Interest {
        if is_progress_span(meta) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(LevelFilter::INFO)
    }
}

/// The span-field formatter of the bars (and the log lines): all fields but
/// the progress marker.
pub(crate) type FieldsWithoutMarker = tracing_indicatif::util::FilteredFormatFields<
    DefaultFields,
    fn(&tracing::field::Field) -> bool,
>;

fn not_the_marker(field: &tracing::field::Field) -> bool {
    field.name() != PROGRESS_FIELD
}

pub(crate) fn fields_without_marker() -> FieldsWithoutMarker {
    tracing_indicatif::util::FilteredFormatFields::new(
        DefaultFields::new(),
        not_the_marker as fn(&tracing::field::Field) -> bool,
    )
}

/// The bar layer, with our default style and field formatting.
pub(crate) fn bar_layer<S>() -> IndicatifLayer<S, FieldsWithoutMarker>
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    IndicatifLayer::new()
        .with_span_field_formatter(fields_without_marker())
        .with_progress_style(ProgressStyle::Spinner.bar_style())
}

#[cfg(test)]
mod tests;
