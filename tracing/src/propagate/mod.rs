//! W3C trace-context propagation: carrying the current trace across HTTP and
//! gRPC calls, so a request handled by another process (or another tvix
//! service) shows up in the same trace.
//!
//! A client *injects* the current span's context into the outgoing request's
//! headers (`traceparent`, and `tracestate` when there is one); a server
//! *extracts* a [`RemoteContext`] from the incoming headers and makes it the
//! parent of the span handling the request.
//!
//! - [`http`]: [`http::HeaderMap`](::http::HeaderMap), and a server-span
//!   helper for HTTP servers.
//! - [`grpc`] (feature `tonic`): tonic's `MetadataMap`, a client
//!   interceptor, and a server-span helper for `Server::trace_fn`.
//!
//! # Without the `otlp` feature
//!
//! Spans then carry no OpenTelemetry context, so there is nothing to
//! propagate: injection adds no header, extraction returns an invalid
//! [`RemoteContext`], and [`RemoteContext::set_parent_of`] does nothing. The
//! functions exist with the same signatures so libraries call them
//! unconditionally. With `otlp` but without export switched on at run time,
//! it is the same: spans have no OpenTelemetry context unless exported.
//!
//! Malformed or absent `traceparent` headers are ignored: the server span then
//! starts a new trace. Nothing here panics on what a peer sends.

use tracing::Span;

pub mod http;

#[cfg(feature = "tonic")]
pub mod grpc;

/// The trace context a peer sent with a request: the parent for the span
/// that handles it. Get one from [`http::extract`] or `grpc::extract`.
#[derive(Clone, Debug, Default)]
#[must_use = "a RemoteContext does nothing until it is made a span's parent"]
pub struct RemoteContext {
    #[cfg(feature = "otlp")]
    cx: opentelemetry::Context,
}

impl RemoteContext {
    /// Whether the request carried a well-formed trace context. Always
    /// `false` without the `otlp` feature.
    pub fn is_valid(&self) -> bool {
        #[cfg(feature = "otlp")]
        {
            use opentelemetry::trace::TraceContextExt;
            self.cx.span().span_context().is_valid()
        }
        #[cfg(not(feature = "otlp"))]
        false
    }

    /// Makes this context the parent of `span`, so it joins the caller's
    /// trace. Call it right after creating the span, before it is first
    /// entered (a started span keeps its parent). Returns whether the parent
    /// was set: `false` if the context is invalid, the span is disabled or
    /// already started, or spans are not exported.
    pub fn set_parent_of(&self, span: &Span) -> bool {
        #[cfg(feature = "otlp")]
        {
            use tracing_opentelemetry::OpenTelemetrySpanExt;
            // An invalid context would make the span a new root and cut it
            // from its local parent; keep the local parent instead.
            self.is_valid() && span.set_parent(self.cx.clone()).is_ok()
        }
        #[cfg(not(feature = "otlp"))]
        {
            let _ = span;
            false
        }
    }
}

/// The propagator: W3C trace context only, independent of the global one so
/// behaviour does not depend on what else the process registered.
#[cfg(feature = "otlp")]
fn propagator() -> opentelemetry_sdk::propagation::TraceContextPropagator {
    opentelemetry_sdk::propagation::TraceContextPropagator::new()
}

/// Writes the current span's context into `injector`, if it has a valid one.
#[cfg(feature = "otlp")]
fn inject_current(injector: &mut dyn opentelemetry::propagation::Injector) {
    use opentelemetry::{propagation::TextMapPropagator, trace::TraceContextExt};
    use tracing_opentelemetry::OpenTelemetrySpanExt;

    let cx = Span::current().context();
    if cx.span().span_context().is_valid() {
        propagator().inject_context(&cx, injector);
    }
}

/// Reads a remote context from `extractor`; invalid if absent or malformed.
#[cfg(feature = "otlp")]
fn extract_from(extractor: &dyn opentelemetry::propagation::Extractor) -> RemoteContext {
    use opentelemetry::propagation::TextMapPropagator;
    RemoteContext {
        cx: propagator().extract(extractor),
    }
}

#[cfg(test)]
mod tests;
