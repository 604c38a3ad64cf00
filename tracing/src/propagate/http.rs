//! Trace-context propagation over HTTP headers ([`http::HeaderMap`]), for
//! HTTP clients and servers (and gRPC, whose metadata are HTTP/2 headers).

use http::{HeaderMap, Request};
use tracing::Span;

use super::RemoteContext;

/// Adds the current span's trace context to `headers` (`traceparent`, and
/// `tracestate` if any), replacing values already there. A no-op when the
/// current span is not exported (see the [module docs](super)).
pub fn inject(headers: &mut HeaderMap) {
    super::inject_current(&mut HeaderInjector(headers));
}

/// Reads the trace context a peer sent in `headers`. Absent, malformed or
/// non-ASCII values give an invalid context (see
/// [`RemoteContext::is_valid`]).
pub fn extract(headers: &HeaderMap) -> RemoteContext {
    super::extract_from(&HeaderExtractor(headers))
}

/// The span for handling one HTTP request: `INFO` level, named
/// `http.request`, with the method and path, an OpenTelemetry server kind,
/// and the caller's trace (if the request carried one) as parent.
pub fn server_span<B>(request: &Request<B>) -> Span {
    let span = tracing::info_span!(
        "http.request",
        otel.name = %request.method(),
        otel.kind = "server",
        http.request.method = %request.method(),
        url.path = %request.uri().path(),
    );
    extract(request.headers()).set_parent_of(&span);
    span
}

/// Lets the propagator write into a [`HeaderMap`]; keys or values that are
/// not valid in a header are skipped.
struct HeaderInjector<'a>(&'a mut HeaderMap);

impl opentelemetry::propagation::Injector for HeaderInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(key.as_bytes()),
            http::HeaderValue::from_str(&value),
        ) {
            self.0.insert(name, value);
        }
    }
}

/// Lets the propagator read a [`HeaderMap`]; values that are not visible
/// ASCII count as absent.
struct HeaderExtractor<'a>(&'a HeaderMap);

impl opentelemetry::propagation::Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}
