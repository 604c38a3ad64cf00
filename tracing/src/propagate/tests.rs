//! Trace-context propagation: extraction of well-formed and malformed
//! headers, and round trips through a span (extract, parent, inject,
//! extract) over HTTP headers and gRPC metadata.

use ::http::{HeaderMap, HeaderValue};
use opentelemetry::trace::{SpanId, TraceContextExt, TraceFlags, TraceId, TracerProvider as _};
use opentelemetry_sdk::trace::SdkTracerProvider;
use proptest::prelude::*;
use rstest::rstest;
use tracing::Subscriber;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::layer::SubscriberExt;

use super::{RemoteContext, http};

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN_ID: &str = "00f067aa0ba902b7";

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.insert(*name, HeaderValue::from_str(value).expect("test header"));
    }
    map
}

/// A subscriber giving spans an OpenTelemetry context, as the builder's
/// does when export is on, but exporting nowhere.
fn otel_subscriber() -> impl Subscriber + Send + Sync {
    let tracer = SdkTracerProvider::builder().build().tracer("test");
    tracing_subscriber::registry().with(tracing_opentelemetry::layer().with_tracer(tracer))
}

/// The span context the current span would send, read back from headers.
fn sent_by(span: &tracing::Span) -> RemoteContext {
    let _entered = span.enter();
    let mut out = HeaderMap::new();
    http::inject(&mut out);
    http::extract(&out)
}

#[rstest]
#[case::future_version_with_more_fields(
    &format!("cc-{TRACE_ID}-{SPAN_ID}-01-what-the-future-holds"),
    true
)]
#[case::future_version_plain(&format!("01-{TRACE_ID}-{SPAN_ID}-01"), true)]
#[case::surrounding_blanks(&format!(" 00-{TRACE_ID}-{SPAN_ID}-01\t"), true)]
#[case::version_0_with_more_fields(&format!("00-{TRACE_ID}-{SPAN_ID}-01-x"), false)]
fn traceparent_versions(#[case] value: &str, #[case] valid: bool) {
    assert_eq!(
        http::extract(&headers(&[("traceparent", value)])).is_valid(),
        valid
    );
}

#[rstest]
#[case::sampled("01", TraceFlags::SAMPLED)]
#[case::not_sampled("00", TraceFlags::default())]
#[case::unknown_flags_dropped("03", TraceFlags::SAMPLED)]
fn extract_well_formed(#[case] flags: &str, #[case] expected: TraceFlags) {
    let got = http::extract(&headers(&[
        ("traceparent", &format!("00-{TRACE_ID}-{SPAN_ID}-{flags}")),
        ("tracestate", "vendor=abc,other=x"),
    ]));
    assert!(got.is_valid());
    let sc = got.span_context();
    assert_eq!(sc.trace_id(), TraceId::from_hex(TRACE_ID).expect("hex"));
    assert_eq!(sc.span_id(), SpanId::from_hex(SPAN_ID).expect("hex"));
    assert_eq!(sc.trace_flags(), expected);
    assert!(sc.is_remote());
    assert_eq!(sc.trace_state().header(), "vendor=abc,other=x");
}

#[rstest]
#[case::missing(&[])]
#[case::only_tracestate(&[("tracestate", "vendor=abc")])]
#[case::empty(&[("traceparent", "")])]
#[case::garbage(&[("traceparent", "hello")])]
#[case::too_few_parts(&[("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7")])]
#[case::extra_part_in_version_0(&[("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x")])]
#[case::version_ff(&[("traceparent", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")])]
#[case::zero_trace_id(&[("traceparent", "00-00000000000000000000000000000000-00f067aa0ba902b7-01")])]
#[case::zero_span_id(&[("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01")])]
#[case::uppercase(&[("traceparent", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01")])]
#[case::short_trace_id(&[("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e47-00f067aa0ba902b7-01")])]
#[case::long_span_id(&[("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b700-01")])]
#[case::one_digit_flags(&[("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1")])]
#[case::future_version_glued_suffix(&[("traceparent", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x")])]
#[case::not_hex(&[("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01")])]
fn malformed_traceparent_gives_no_parent(#[case] pairs: &[(&'static str, &str)]) {
    let got = http::extract(&headers(pairs));
    assert!(!got.is_valid());
    let subscriber = otel_subscriber();
    tracing::subscriber::with_default(subscriber, || {
        let outer = tracing::info_span!("outer");
        let _outer = outer.enter();
        let span = tracing::info_span!("handler");
        assert!(!got.set_parent_of(&span), "an invalid context is no parent");
        // The span keeps its local parent's trace.
        assert_eq!(
            span.context().span().span_context().trace_id(),
            outer.context().span().span_context().trace_id()
        );
    });
}

#[test]
fn non_ascii_traceparent_gives_no_parent() {
    let mut map = HeaderMap::new();
    map.insert(
        "traceparent",
        HeaderValue::from_bytes(b"00-\xff\xfe-00f067aa0ba902b7-01").expect("opaque header"),
    );
    assert!(!http::extract(&map).is_valid());
}

#[test]
fn malformed_tracestate_is_dropped_keeping_traceparent() {
    let got = http::extract(&headers(&[
        ("traceparent", &format!("00-{TRACE_ID}-{SPAN_ID}-01")),
        ("tracestate", "=,no key"),
    ]));
    assert!(got.is_valid());
    assert_eq!(got.span_context().trace_state().header(), "");
}

/// Extract, make the remote context a span's parent, inject from inside the
/// span, extract again: same trace, the span's own id, same flags and trace
/// state.
#[rstest]
#[case::sampled("01", TraceFlags::SAMPLED, "vendor=abc,other=x")]
#[case::not_sampled("00", TraceFlags::default(), "vendor=abc")]
#[case::no_tracestate("01", TraceFlags::SAMPLED, "")]
fn http_round_trip(#[case] flags: &str, #[case] expected: TraceFlags, #[case] state: &str) {
    let mut incoming = headers(&[("traceparent", &format!("00-{TRACE_ID}-{SPAN_ID}-{flags}"))]);
    if !state.is_empty() {
        incoming.insert("tracestate", HeaderValue::from_str(state).expect("header"));
    }
    let remote = http::extract(&incoming);
    tracing::subscriber::with_default(otel_subscriber(), || {
        let span = tracing::info_span!("handler");
        assert!(remote.set_parent_of(&span));
        let own = span.context().span().span_context().clone();
        let sent = sent_by(&span);
        assert!(sent.is_valid());
        let sc = sent.span_context();
        assert_eq!(sc.trace_id(), remote.span_context().trace_id());
        assert_eq!(sc.span_id(), own.span_id());
        assert_ne!(sc.span_id(), remote.span_context().span_id());
        assert_eq!(sc.trace_flags(), expected);
        assert_eq!(sc.trace_state().header(), state);
    });
}

#[test]
fn inject_replaces_stale_headers_and_skips_empty_tracestate() {
    tracing::subscriber::with_default(otel_subscriber(), || {
        let span = tracing::info_span!("client");
        let _entered = span.enter();
        let mut out = headers(&[
            (
                "traceparent",
                "00-11111111111111111111111111111111-2222222222222222-01",
            ),
            ("tracestate", "stale=1"),
        ]);
        http::inject(&mut out);
        let sent = http::extract(&out);
        assert_eq!(
            sent.span_context().span_id(),
            span.context().span().span_context().span_id()
        );
        assert_eq!(out.get_all("traceparent").iter().count(), 1);
        // Our fresh root trace has no trace state; the stale one is kept
        // rather than sent empty (the propagator writes nothing for it).
        assert_eq!(
            out.get("tracestate"),
            Some(&HeaderValue::from_static("stale=1"))
        );
    });
}

#[test]
fn without_an_otel_layer_nothing_is_injected_or_parented() {
    let remote = http::extract(&headers(&[(
        "traceparent",
        &format!("00-{TRACE_ID}-{SPAN_ID}-01"),
    )]));
    tracing::subscriber::with_default(tracing_subscriber::registry(), || {
        let span = tracing::info_span!("handler");
        assert!(!remote.set_parent_of(&span));
        let _entered = span.enter();
        let mut out = HeaderMap::new();
        http::inject(&mut out);
        assert!(out.is_empty());
    });
}

#[test]
fn http_server_span_joins_the_callers_trace() {
    let request = ::http::Request::builder()
        .method("GET")
        .uri("/nar/abc.nar")
        .header("traceparent", format!("00-{TRACE_ID}-{SPAN_ID}-01"))
        .body(())
        .expect("request");
    tracing::subscriber::with_default(otel_subscriber(), || {
        let span = http::server_span(&request);
        assert_eq!(
            span.context().span().span_context().trace_id(),
            TraceId::from_hex(TRACE_ID).expect("hex")
        );
    });
}

#[cfg(feature = "tonic")]
mod grpc {
    use tonic::{metadata::MetadataMap, service::Interceptor};

    use super::*;
    use crate::propagate::grpc;

    #[test]
    fn metadata_round_trip() {
        let mut incoming = MetadataMap::new();
        incoming.insert(
            "traceparent",
            format!("00-{TRACE_ID}-{SPAN_ID}-01")
                .parse()
                .expect("ascii"),
        );
        incoming.insert("tracestate", "vendor=abc".parse().expect("ascii"));
        let remote = grpc::extract(&incoming);
        assert!(remote.is_valid());
        assert_eq!(remote.span_context().trace_state().header(), "vendor=abc");
        tracing::subscriber::with_default(otel_subscriber(), || {
            let span = tracing::info_span!("handler");
            assert!(remote.set_parent_of(&span));
            let _entered = span.enter();
            let mut out = MetadataMap::new();
            grpc::inject(&mut out);
            let sent = grpc::extract(&out).span_context();
            assert_eq!(sent.trace_id(), remote.span_context().trace_id());
            assert_eq!(
                sent.span_id(),
                span.context().span().span_context().span_id()
            );
            assert_eq!(sent.trace_flags(), TraceFlags::SAMPLED);
            assert_eq!(sent.trace_state().header(), "vendor=abc");
        });
    }

    #[test]
    fn malformed_metadata_gives_no_parent() {
        let mut incoming = MetadataMap::new();
        incoming.insert("traceparent", "00-zz-yy-01".parse().expect("ascii"));
        assert!(!grpc::extract(&incoming).is_valid());
        assert!(!grpc::extract(&MetadataMap::new()).is_valid());
    }

    #[test]
    fn interceptor_injects_the_current_context() {
        tracing::subscriber::with_default(otel_subscriber(), || {
            let span = tracing::info_span!("client_call");
            let _entered = span.enter();
            let request = grpc::TraceInterceptor
                .call(tonic::Request::new(()))
                .expect("never rejects");
            let sent = grpc::extract(request.metadata()).span_context();
            assert_eq!(
                sent.span_id(),
                span.context().span().span_context().span_id()
            );
        });
    }

    #[rstest]
    #[case::normal(
        "/tvix.castore.v1.BlobService/Read",
        "tvix.castore.v1.BlobService",
        "Read"
    )]
    #[case::no_method("/odd", "/odd", "")]
    #[case::empty("", "", "")]
    fn grpc_path_split(#[case] path: &str, #[case] service: &str, #[case] method: &str) {
        assert_eq!(grpc::service_and_method(path), (service, method));
    }

    #[test]
    fn grpc_server_span_joins_the_callers_trace() {
        let path = "/tvix.castore.v1.BlobService/Read";
        let request = ::http::Request::builder()
            .uri(path)
            .header("traceparent", format!("00-{TRACE_ID}-{SPAN_ID}-01"))
            .body(())
            .expect("request");
        tracing::subscriber::with_default(otel_subscriber(), || {
            let span = grpc::server_span(&request);
            assert_eq!(
                span.context().span().span_context().trace_id(),
                TraceId::from_hex(TRACE_ID).expect("hex")
            );
        });
    }
}

proptest! {
    /// Whatever a peer sends, extraction does not panic, and a valid
    /// context always has non-zero ids.
    #[test]
    fn extract_never_panics(parent in prop::collection::vec(any::<u8>(), 0..80),
                            state in prop::collection::vec(any::<u8>(), 0..80)) {
        let mut map = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_bytes(&parent) {
            map.insert("traceparent", v);
        }
        if let Ok(v) = HeaderValue::from_bytes(&state) {
            map.insert("tracestate", v);
        }
        let got = http::extract(&map);
        if got.is_valid() {
            prop_assert_ne!(got.span_context().trace_id(), TraceId::INVALID);
            prop_assert_ne!(got.span_context().span_id(), SpanId::INVALID);
        }
    }

    /// Any well-formed traceparent is read back exactly.
    #[test]
    fn well_formed_traceparent_round_trips(trace in 1..=u128::MAX, span in 1..=u64::MAX, sampled: bool) {
        let value = format!("00-{trace:032x}-{span:016x}-{:02x}", u8::from(sampled));
        let got = http::extract(&headers(&[("traceparent", &value)])).span_context();
        prop_assert_eq!(got.trace_id(), TraceId::from(trace));
        prop_assert_eq!(got.span_id(), SpanId::from(span));
        prop_assert_eq!(got.is_sampled(), sampled);
    }
}
