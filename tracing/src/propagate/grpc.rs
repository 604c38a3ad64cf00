//! Trace-context propagation over gRPC metadata (tonic): inject into and
//! extract from a `MetadataMap`, a client interceptor, and the span for
//! `tonic::transport::Server::trace_fn`.
//!
//! A client wraps its channel with the interceptor, e.g.
//! `BlobServiceClient::with_interceptor(channel, TraceInterceptor)`; a server
//! passes [`server_span`] to `tonic::transport::Server::builder().trace_fn(..)`
//! so each call's span continues the caller's trace.

use tonic::{Request, Status, metadata::MetadataMap, service::Interceptor};
use tracing::Span;

use super::RemoteContext;

/// Adds the current span's trace context to `metadata`. A no-op when the
/// current span is not exported (see the [module docs](super)).
pub fn inject(metadata: &mut MetadataMap) {
    super::inject_current(&mut MetadataInjector(metadata));
}

/// Reads the trace context a peer sent in `metadata`. Absent or malformed
/// values give an invalid context.
pub fn extract(metadata: &MetadataMap) -> RemoteContext {
    super::extract_from(&MetadataExtractor(metadata))
}

/// A tonic client interceptor injecting the current span's trace context
/// into every request (see [`inject`]). It never rejects a request.
#[derive(Clone, Copy, Debug, Default)]
pub struct TraceInterceptor;

impl Interceptor for TraceInterceptor {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        inject(request.metadata_mut());
        Ok(request)
    }
}

/// The span for handling one gRPC call, for
/// `tonic::transport::Server::trace_fn`: `INFO` level, named `grpc.request`,
/// with `rpc.service` and `rpc.method` from the path, an OpenTelemetry
/// server kind named `service/method`, and the caller's trace (if the
/// request carried one) as parent.
pub fn server_span<B>(request: &http::Request<B>) -> Span {
    let path = request.uri().path();
    let (service, method) = service_and_method(path);
    let span = tracing::info_span!(
        "grpc.request",
        otel.name = %path.trim_start_matches('/'),
        otel.kind = "server",
        rpc.system = "grpc",
        rpc.service = %service,
        rpc.method = %method,
    );
    super::http::extract(request.headers()).set_parent_of(&span);
    span
}

/// Splits a gRPC path, `/package.Service/Method`, into service and method;
/// a path of another shape is all service, with an empty method.
pub(super) fn service_and_method(path: &str) -> (&str, &str) {
    path.strip_prefix('/')
        .and_then(|p| p.split_once('/'))
        .unwrap_or((path, ""))
}

/// Lets the propagator write into a [`MetadataMap`]; keys or values that are
/// not valid ASCII metadata are skipped.
struct MetadataInjector<'a>(&'a mut MetadataMap);

impl opentelemetry::propagation::Injector for MetadataInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        use tonic::metadata::{MetadataKey, MetadataValue};
        if let (Ok(key), Ok(value)) = (
            MetadataKey::from_bytes(key.as_bytes()),
            MetadataValue::try_from(value.as_str()),
        ) {
            self.0.insert(key, value);
        }
    }
}

/// Lets the propagator read a [`MetadataMap`] (ASCII entries only).
struct MetadataExtractor<'a>(&'a MetadataMap);

impl opentelemetry::propagation::Extractor for MetadataExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        use tonic::metadata::KeyRef;
        self.0
            .keys()
            .filter_map(|k| match k {
                KeyRef::Ascii(k) => Some(k.as_str()),
                KeyRef::Binary(_) => None,
            })
            .collect()
    }
}
