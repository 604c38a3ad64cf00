//! JSON errors and the shapes `nix derivation show` does not print but
//! `Derivation::fromJSON` reads.

use rstest::rstest;
use serde_json::json;

use crate::derivation::{
    Derivation, Unsupported,
    json::{JsonError, from_json, parse_show, to_json},
};

const OUT: &str = "/nix/store/00000000000000000000000000000000-a";

fn base(outputs: serde_json::Value) -> serde_json::Value {
    json!({
        "args": [], "builder": "b", "env": {}, "inputDrvs": {}, "inputSrcs": [],
        "name": "a", "outputs": outputs, "system": "s"
    })
}

#[test]
fn input_addressed_round_trip() {
    let value = base(json!({ "out": { "path": OUT } }));
    let (name, drv) = from_json(&value).expect("valid");
    assert_eq!(name, "a");
    assert_eq!(to_json(&name, &drv).expect("utf8"), value);
}

/// A fixed output's hash may be in any encoding when read, and is printed
/// as base16; its path must be the computed one.
#[test]
fn fixed_output_hash_in_any_encoding() {
    // The path of a flat sha256 FOD named `a` with the hash of "", from
    // `nix-store --print-fixed-path sha256 e3b0...b855 a` (2.26.3).
    let (_, reference) = from_json(&base(json!({ "out": {
        "hash": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "hashAlgo": "sha256", "method": "flat",
        "path": "/nix/store/fv16lcs3lf0l78jdd486kp1p9rp2nniz-a",
    }})))
    .expect("valid");
    let (_, nix32) = from_json(&base(json!({ "out": {
        "hash": "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73",
        "hashAlgo": "sha256", "method": "flat",
        "path": "/nix/store/fv16lcs3lf0l78jdd486kp1p9rp2nniz-a",
    }})))
    .expect("valid");
    assert_eq!(reference, nix32);
}

#[test]
fn fixed_output_path_must_match() {
    let err = from_json(&base(json!({ "out": {
        "hash": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "hashAlgo": "sha256", "method": "nar", "path": OUT,
    }})))
    .expect_err("mismatch");
    assert!(matches!(err, JsonError::PathMismatch { .. }), "{err}");
}

#[rstest]
#[case::floating(json!({ "method": "nar", "hashAlgo": "sha256" }), Unsupported::CaFloating)]
#[case::impure(json!({ "method": "nar", "hashAlgo": "sha256", "impure": true }), Unsupported::Impure)]
#[case::deferred(json!({}), Unsupported::Deferred)]
#[case::text(json!({ "method": "text", "hashAlgo": "sha256" }), Unsupported::TextOutput)]
#[case::git(json!({ "method": "git", "hashAlgo": "sha1" }), Unsupported::GitHashing)]
fn unsupported_outputs(#[case] output: serde_json::Value, #[case] what: Unsupported) {
    match from_json(&base(json!({ "out": output }))) {
        Err(JsonError::Unsupported { source, .. }) => assert_eq!(source, what),
        other => panic!("{other:?}"),
    }
}

#[test]
fn dynamic_outputs_are_unsupported() {
    let mut value = base(json!({ "out": { "path": OUT } }));
    value["inputDrvs"] = json!({
        "/nix/store/00000000000000000000000000000000-i.drv":
            { "outputs": ["out"], "dynamicOutputs": { "out": { "outputs": [], "dynamicOutputs": {} } } }
    });
    assert!(matches!(
        from_json(&value),
        Err(JsonError::Unsupported {
            source: Unsupported::DynamicOutputs,
            ..
        })
    ));
}

#[rstest]
#[case::missing_name(json!({}), "expected a value at 'name'")]
#[case::output_not_object(base(json!({ "out": "x" })), "expected an object at 'outputs.out'")]
#[case::bad_keys(base(json!({ "out": { "path": OUT, "extra": 1 } })), "invalid JSON for derivation output 'out'")]
#[case::bad_method(
    base(json!({ "out": { "method": "zip", "hashAlgo": "sha256", "hash": "", "path": OUT } })),
    "unknown content address method 'zip' at 'outputs.out.method', expect 'flat', 'nar', or 'text'"
)]
#[case::bad_path(base(json!({ "out": { "path": "/tmp/x" } })), "invalid store path at 'outputs.out.path'")]
fn malformed(#[case] value: serde_json::Value, #[case] message: &str) {
    assert_eq!(from_json(&value).expect_err("bad").to_string(), message);
}

#[test]
fn parse_show_checks_names() {
    let text = format!(
        r#"{{"/nix/store/00000000000000000000000000000000-b.drv": {}}}"#,
        base(json!({ "out": { "path": OUT } }))
    );
    assert!(matches!(
        parse_show(&text),
        Err(JsonError::NameMismatch { .. })
    ));
    assert!(matches!(parse_show("{"), Err(JsonError::Syntax(_))));
}

#[test]
fn non_utf8_cannot_be_json() {
    let (name, mut drv): (String, Derivation) =
        from_json(&base(json!({ "out": { "path": OUT } }))).expect("valid");
    drv.environment.insert(b"k"[..].into(), b"\xc5"[..].into());
    assert_eq!(
        to_json(&name, &drv).expect_err("latin1").to_string(),
        "environment variable 'k' is not valid UTF-8, which JSON cannot represent"
    );
}
