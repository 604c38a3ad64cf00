//! What the `OTEL_*` variables ask for, from a fake environment.

use std::collections::HashMap;

use rstest::rstest;

use super::{ExportRequest, explicit_service_name, export_request};

fn request(vars: &[(&str, &str)]) -> ExportRequest {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    export_request(&|name: &str| vars.get(name).cloned())
}

const ENDPOINT: (&str, &str) = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317");

#[rstest]
#[case::nothing_set(&[], false)]
#[case::endpoint(&[ENDPOINT], true)]
#[case::traces_endpoint(&[("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c:4317")], true)]
#[case::blank_endpoint(&[("OTEL_EXPORTER_OTLP_ENDPOINT", " ")], false)]
#[case::exporter_otlp(&[("OTEL_TRACES_EXPORTER", "otlp")], true)]
#[case::exporter_otlp_in_list(&[("OTEL_TRACES_EXPORTER", "none, OTLP")], true)]
#[case::exporter_none_wins_over_endpoint(&[("OTEL_TRACES_EXPORTER", "none"), ENDPOINT], false)]
#[case::sdk_disabled(&[("OTEL_SDK_DISABLED", "true"), ("OTEL_TRACES_EXPORTER", "otlp")], false)]
#[case::sdk_disabled_any_case(&[("OTEL_SDK_DISABLED", " TRUE "), ENDPOINT], false)]
#[case::sdk_disabled_false(&[("OTEL_SDK_DISABLED", "false"), ENDPOINT], true)]
fn export_switch(#[case] vars: &[(&str, &str)], #[case] asked: bool) {
    let got = request(vars);
    // Without the `otlp` feature the request is refused with a warning.
    assert_eq!(got.export, asked && cfg!(feature = "otlp"), "{vars:?}");
    if asked && !cfg!(feature = "otlp") {
        assert!(
            got.warnings.iter().any(|w| w.contains("`otlp` feature")),
            "{got:?}"
        );
    }
}

#[test]
fn unsupported_exporter_is_warned_about() {
    let got = request(&[("OTEL_TRACES_EXPORTER", "zipkin")]);
    assert!(!got.export);
    assert_eq!(got.warnings.len(), 1, "{got:?}");
    assert!(got.warnings[0].contains("\"zipkin\""), "{got:?}");
}

#[rstest]
#[case::grpc(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")], false)]
#[case::http(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")], true)]
#[case::signal_specific_wins(
    &[("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc"), ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")],
    false
)]
fn non_grpc_protocol_is_warned_about(#[case] vars: &[(&str, &str)], #[case] warned: bool) {
    let mut all = vars.to_vec();
    all.push(ENDPOINT);
    let got = request(&all);
    let protocol_warnings = got
        .warnings
        .iter()
        .filter(|w| w.contains("PROTOCOL"))
        .count();
    assert_eq!(protocol_warnings, usize::from(warned), "{got:?}");
}

#[rstest]
#[case::builder_only(&[], Some("tvix-store"), Some("tvix-store"))]
#[case::none_at_all(&[], None, None)]
#[case::env_name_wins(&[("OTEL_SERVICE_NAME", "renamed")], Some("tvix-store"), None)]
#[case::resource_attribute_wins(
    &[("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=prod, service.name = renamed")],
    Some("tvix-store"),
    None
)]
#[case::other_resource_attributes(
    &[("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=prod")],
    Some("tvix-store"),
    Some("tvix-store")
)]
#[case::empty_service_name_attribute(
    &[("OTEL_RESOURCE_ATTRIBUTES", "service.name=")],
    Some("tvix-store"),
    Some("tvix-store")
)]
fn service_name(
    #[case] vars: &[(&str, &str)],
    #[case] builder: Option<&str>,
    #[case] expected: Option<&str>,
) {
    let vars: HashMap<&str, &str> = vars.iter().copied().collect();
    let env = |name: &str| vars.get(name).map(|v| (*v).to_owned());
    assert_eq!(
        explicit_service_name(&env, builder).as_deref(),
        expected,
        "{vars:?}"
    );
}
