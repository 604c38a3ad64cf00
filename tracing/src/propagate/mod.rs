//! W3C trace-context propagation: carrying the current trace across HTTP and
//! gRPC calls, so a request handled by another process (or another tvix
//! service) shows up in the same trace.
//!
//! A client *injects* the current span's context into the outgoing request's
//! headers (`traceparent`, and `tracestate` when there is one); a server
//! *extracts* a [`RemoteContext`] from the incoming headers and makes it the
//! parent of the span handling the request.
//!
//! - [`http`] (feature `http`): [`http::HeaderMap`](::http::HeaderMap), and a
//!   server-span helper for HTTP servers.
//! - [`grpc`] (feature `tonic`): tonic's `MetadataMap`, a client
//!   interceptor, and a server-span helper for `Server::trace_fn`.
//!
//! # When is there a context to propagate?
//!
//! Spans carry an OpenTelemetry context only while spans are exported (the
//! `otlp` feature, switched on at run time by the `OTEL_*` variables; see
//! [`TracingBuilder`](crate::TracingBuilder)). Otherwise injection adds no
//! header and [`RemoteContext::set_parent_of`] returns `false`: libraries
//! call these functions unconditionally and pay almost nothing for it.
//!
//! Malformed or absent `traceparent` headers are ignored: the server span then
//! starts a new trace. A malformed `tracestate` is dropped, keeping the
//! `traceparent`. Nothing here panics on what a peer sends.

use opentelemetry::{
    propagation::{Extractor, Injector, TextMapPropagator},
    trace::{SpanContext, TraceContextExt},
};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;

pub mod http;

#[cfg(feature = "tonic")]
pub mod grpc;

/// The trace context a peer sent with a request: the parent for the span
/// that handles it. Get one from [`http::extract`] or `grpc::extract`.
#[derive(Clone, Debug, Default)]
#[must_use = "a RemoteContext does nothing until it is made a span's parent"]
pub struct RemoteContext {
    cx: opentelemetry::Context,
}

impl RemoteContext {
    /// Whether the request carried a well-formed `traceparent`.
    pub fn is_valid(&self) -> bool {
        self.span_context().is_valid()
    }

    /// The trace id, span id, flags and trace state the peer sent (all
    /// zero/empty if [`is_valid`](Self::is_valid) is `false`).
    pub fn span_context(&self) -> SpanContext {
        self.cx.span().span_context().clone()
    }

    /// Makes this context the parent of `span`, so it joins the caller's
    /// trace. Call it right after creating the span, before it is first
    /// entered (a started span keeps its parent). Returns whether the parent
    /// was set: `false` if the context is invalid, the span is disabled or
    /// already started, or spans are not exported.
    pub fn set_parent_of(&self, span: &Span) -> bool {
        // An invalid context would make the span a new root and cut it
        // from its local parent; keep the local parent instead.
        self.is_valid() && span.set_parent(self.cx.clone()).is_ok()
    }
}

/// Writes `cx`'s span context into `injector`, if it is valid. Empty values
/// (an empty `tracestate`) are not written.
fn inject_context(cx: &opentelemetry::Context, injector: &mut dyn Injector) {
    struct SkipEmpty<'a>(&'a mut dyn Injector);
    impl Injector for SkipEmpty<'_> {
        fn set(&mut self, key: &str, value: String) {
            if !value.is_empty() {
                self.0.set(key, value);
            }
        }
    }
    if cx.span().span_context().is_valid() {
        TraceContextPropagator::new().inject_context(cx, &mut SkipEmpty(injector));
    }
}

/// Writes the current span's context into `injector`, if it has a valid one.
fn inject_current(injector: &mut dyn Injector) {
    inject_context(&Span::current().context(), injector);
}

/// Whether `value` has the shape of a W3C `traceparent`: two lowercase hex
/// digits of version (not `ff`), a 32-digit trace id, a 16-digit parent id
/// and two digits of flags, separated by `-`; version `00` has exactly these
/// 55 characters, later versions may append `-` and more. (The
/// OpenTelemetry propagator checks the values but not all lengths: it would
/// accept a short trace id, which the specification says to ignore.)
fn is_well_formed_traceparent(value: &str) -> bool {
    let bytes = value.as_bytes();
    let lower_hex = |range: std::ops::Range<usize>| {
        bytes
            .get(range)
            .is_some_and(|b| b.iter().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')))
    };
    let dashes = [2, 35, 52].iter().all(|&i| bytes.get(i) == Some(&b'-'));
    let shape =
        dashes && lower_hex(0..2) && lower_hex(3..35) && lower_hex(36..52) && lower_hex(53..55);
    let length = match bytes.get(0..2) {
        Some(b"00") => bytes.len() == 55,
        Some(b"ff") => false,
        _ => bytes.len() == 55 || bytes.get(55) == Some(&b'-'),
    };
    shape && length
}

/// Hides a `traceparent` that is not well formed (see
/// [`is_well_formed_traceparent`]) from the propagator.
struct StrictExtractor<'a>(&'a dyn Extractor);

impl Extractor for StrictExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        let value = self.0.get(key)?;
        if key.eq_ignore_ascii_case(TRACEPARENT) {
            let value = value.trim();
            return is_well_formed_traceparent(value).then_some(value);
        }
        Some(value)
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys()
    }
}

/// The W3C header carrying trace id, parent span id and flags.
const TRACEPARENT: &str = "traceparent";

/// Reads a remote context from `extractor`; invalid if absent or malformed.
fn extract_from(extractor: &dyn Extractor) -> RemoteContext {
    // Not `TextMapPropagator::extract`: it starts from the thread's current
    // OpenTelemetry context, and an invalid header would then yield that
    // context instead of none.
    RemoteContext {
        cx: TraceContextPropagator::new()
            .extract_with_context(&opentelemetry::Context::new(), &StrictExtractor(extractor)),
    }
}

#[cfg(test)]
mod tests;
