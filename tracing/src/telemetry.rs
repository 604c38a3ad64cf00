//! OpenTelemetry trace export: whether the standard `OTEL_*` variables ask
//! for it, and (feature `otlp`) the OTLP/gRPC pipeline that does it.
//!
//! Export is off unless the environment asks for it, so a binary built with
//! `otlp` costs nothing extra by default:
//!
//! - `OTEL_SDK_DISABLED=true` turns everything off.
//! - `OTEL_TRACES_EXPORTER` (comma-separated) turns export on with `otlp`,
//!   off with `none`; other exporters (`console`, `zipkin`, ...) are not
//!   supported and get a warning.
//! - Otherwise, setting `OTEL_EXPORTER_OTLP_ENDPOINT` or
//!   `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` turns export on.
//!
//! The exporter itself (opentelemetry-otlp) reads the endpoint, headers,
//! timeout and compression variables, and the batch processor reads
//! `OTEL_BSP_*`. The service name is `OTEL_SERVICE_NAME`, else `service.name`
//! in `OTEL_RESOURCE_ATTRIBUTES`, else the builder's
//! [`service_name`](crate::TracingBuilder::service_name).
//!
//! The tonic client behind the exporter needs a tokio runtime that keeps
//! running while spans are exported, whatever the binary does (no runtime,
//! a current-thread runtime blocked in `shutdown`, ...). So the pipeline owns
//! a one-worker runtime of its own, started only when export is on.

/// Reads one environment variable (`None` if unset or not UTF-8).
pub(crate) type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// What the environment asks for.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct ExportRequest {
    /// Whether spans are to be exported over OTLP.
    pub(crate) export: bool,
    /// Things to tell the user once logging works (unsupported values).
    pub(crate) warnings: Vec<String>,
}

fn non_empty(env: Env<'_>, name: &str) -> Option<String> {
    env(name).filter(|v| !v.trim().is_empty())
}

/// Decides from the `OTEL_*` variables whether to export traces.
pub(crate) fn export_request(env: Env<'_>) -> ExportRequest {
    let mut request = ExportRequest::default();
    if non_empty(env, "OTEL_SDK_DISABLED").is_some_and(|v| v.trim().eq_ignore_ascii_case("true")) {
        return request;
    }
    if let Some(exporters) = non_empty(env, "OTEL_TRACES_EXPORTER") {
        for exporter in exporters.split(',').map(str::trim) {
            match exporter.to_ascii_lowercase().as_str() {
                "otlp" => request.export = true,
                "none" | "" => {}
                other => request.warnings.push(format!(
                    "OTEL_TRACES_EXPORTER: exporter {other:?} is not supported (only \"otlp\"); ignored"
                )),
            }
        }
    } else {
        request.export = non_empty(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").is_some()
            || non_empty(env, "OTEL_EXPORTER_OTLP_ENDPOINT").is_some();
    }
    if request.export {
        for var in [
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
            "OTEL_EXPORTER_OTLP_PROTOCOL",
        ] {
            if let Some(protocol) = non_empty(env, var) {
                if protocol.trim() != "grpc" {
                    request.warnings.push(format!(
                        "{var}={protocol:?} is not supported (only \"grpc\"); exporting over gRPC"
                    ));
                }
                // The signal-specific variable wins; only look at the first set.
                break;
            }
        }
        if !cfg!(feature = "otlp") {
            request.export = false;
            request.warnings.push(
                "the OTEL_* variables ask for trace export, but this program was built \
                 without the `otlp` feature of tvix-tracing; not exporting"
                    .to_owned(),
            );
        }
    }
    request
}

/// The service name to set explicitly, or `None` to leave it to the SDK
/// (which reads `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES`, and
/// falls back to `unknown_service`). The environment wins over the program's
/// default so operators can rename a service without rebuilding it.
#[cfg_attr(not(feature = "otlp"), allow(dead_code))]
pub(crate) fn explicit_service_name(env: Env<'_>, builder: Option<&str>) -> Option<String> {
    if non_empty(env, "OTEL_SERVICE_NAME").is_some() {
        return None;
    }
    let in_resource_attributes = non_empty(env, "OTEL_RESOURCE_ATTRIBUTES").is_some_and(|attrs| {
        attrs
            .split(',')
            .filter_map(|kv| kv.split_once('='))
            .any(|(k, v)| k.trim() == "service.name" && !v.trim().is_empty())
    });
    if in_resource_attributes {
        return None;
    }
    builder.map(str::to_owned)
}

#[cfg(feature = "otlp")]
pub(crate) use pipeline::Pipeline;

#[cfg(feature = "otlp")]
mod pipeline {
    use opentelemetry::trace::TracerProvider as _;
    use opentelemetry_sdk::{
        Resource,
        propagation::TraceContextPropagator,
        trace::{SdkTracer, SdkTracerProvider},
    };
    use tracing_opentelemetry::OpenTelemetryLayer;
    use tracing_subscriber::registry::LookupSpan;

    use crate::Error;

    /// The name of the tracer (the instrumentation scope of every span).
    const TRACER_NAME: &str = "tvix";

    /// A running OTLP export pipeline. Dropping it shuts it down.
    pub(crate) struct Pipeline {
        provider: SdkTracerProvider,
        /// Drives the tonic channel; `None` once shut down.
        runtime: Option<tokio::runtime::Runtime>,
    }

    impl Pipeline {
        /// Starts the runtime and the batch exporter.
        pub(crate) fn start(service_name: Option<String>) -> Result<Self, Error> {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("tvix-otlp")
                .enable_all()
                .build()
                .map_err(|e| Error::OtlpSetup(Box::new(e)))?;
            let exporter = {
                // The tonic channel spawns its connection task on the
                // runtime current at creation.
                let _guard = runtime.enter();
                opentelemetry_otlp::SpanExporter::builder()
                    .with_tonic()
                    .build()
                    .map_err(|e| Error::OtlpSetup(Box::new(e)))?
            };
            let mut resource = Resource::builder();
            if let Some(name) = service_name {
                resource = resource.with_service_name(name);
            }
            let provider = SdkTracerProvider::builder()
                .with_resource(resource.build())
                .with_batch_exporter(exporter)
                .build();
            Ok(Self {
                provider,
                runtime: Some(runtime),
            })
        }

        /// Registers the W3C trace-context propagator and the provider
        /// globally, for code using `opentelemetry::global` directly.
        pub(crate) fn register_globals(&self) {
            opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
            opentelemetry::global::set_tracer_provider(self.provider.clone());
        }

        /// The layer turning tracing spans into OpenTelemetry spans.
        pub(crate) fn layer<S>(&self) -> OpenTelemetryLayer<S, SdkTracer>
        where
            S: tracing::Subscriber + for<'a> LookupSpan<'a>,
        {
            tracing_opentelemetry::layer().with_tracer(self.provider.tracer(TRACER_NAME))
        }

        /// Exports every finished span now.
        pub(crate) fn flush(&self) -> Result<(), Error> {
            self.provider
                .force_flush()
                .map_err(|e| Error::OtlpFlush(Box::new(e)))
        }

        /// Exports what is left and stops the exporter and its runtime.
        pub(crate) fn shutdown(mut self) -> Result<(), Error> {
            self.stop()
        }

        fn stop(&mut self) -> Result<(), Error> {
            let Some(runtime) = self.runtime.take() else {
                return Ok(());
            };
            // The batch processor's thread exports the remaining spans; the
            // runtime must keep driving the channel until it is done.
            let result = self
                .provider
                .shutdown()
                .map_err(|e| Error::OtlpFlush(Box::new(e)));
            // Not `drop`: dropping a runtime panics inside an async context,
            // and the caller may be one.
            runtime.shutdown_background();
            result
        }
    }

    impl Drop for Pipeline {
        fn drop(&mut self) {
            // Errors cannot be reported from drop; `shutdown` reports them.
            let _ = self.stop();
        }
    }
}

#[cfg(test)]
mod tests;
