//! Parser errors: each names the byte offset and what is wrong.

use rstest::rstest;

use crate::derivation::{Derivation, ParseError, SyntaxError, Unsupported, ValidationError};

const P: &str = "/nix/store/00000000000000000000000000000000-a";
const D: &str = "/nix/store/00000000000000000000000000000000-a.drv";
const D2: &str = "/nix/store/11111111111111111111111111111111-b.drv";

/// A minimal valid derivation with the given parts.
fn drv(outputs: &str, inputs: &str, srcs: &str, env: &str) -> String {
    format!(r#"Derive([{outputs}],[{inputs}],[{srcs}],"sys","bld",[],[{env}])"#)
}

fn ia(name: &str) -> String {
    format!(r#"("{name}","{P}","","")"#)
}

fn syntax(input: &str) -> (usize, SyntaxError) {
    match Derivation::from_aterm_bytes(input.as_bytes()) {
        Err(ParseError::Syntax { offset, kind }) => (offset, kind),
        other => panic!("expected a syntax error for {input}, got {other:?}"),
    }
}

#[test]
fn minimal_parses() {
    let text = drv(&ia("out"), "", "", r#"("a","b")"#);
    let d = Derivation::from_aterm_bytes(text.as_bytes()).expect("valid");
    assert_eq!(d.outputs.len(), 1);
    assert_eq!(d.system, "sys");
    assert_eq!(d.builder, "bld");
    assert_eq!(d.to_aterm_bytes(), text.as_bytes());
}

#[rstest]
#[case::empty("", 0, "expected 'Derive(', found end of input")]
#[case::wrong_head("Derivx(", 5, "expected 'Derive(', found 'x'")]
#[case::truncated(r#"Derive([("out""#, 14, "expected ',', found end of input")]
#[case::unterminated(r#"Derive([("out"#, 9, "unterminated string")]
#[case::backslash_at_end(r#"Derive([("out\"#, 9, "unterminated string")]
#[case::no_comma_between_items(
    r#"Derive([("a","/nix/store/00000000000000000000000000000000-a","","")("b""#,
    67,
    "expected ',' or ']', found '('"
)]
#[case::leading_comma(r#"Derive([,"#, 8, "expected '(', found ','")]
#[case::trailing_comma_in_list(
    r#"Derive([],[],[],"s","b",["a",],[])"#,
    29,
    "expected '\"', found ']'"
)]
fn malformed(#[case] input: &str, #[case] offset: usize, #[case] message: &str) {
    let (at, kind) = syntax(input);
    assert_eq!((at, kind.to_string().as_str()), (offset, message));
}

#[test]
fn trailing_data_is_rejected() {
    let text = drv(&ia("out"), "", "", "") + "\n";
    assert_eq!(syntax(&text), (text.len() - 1, SyntaxError::TrailingData));
}

#[test]
fn error_message_names_offset() {
    let err = Derivation::from_aterm_bytes(b"Derive(x").expect_err("bad");
    assert_eq!(
        err.to_string(),
        "malformed derivation at byte 7: expected '[', found 'x'"
    );
}

#[rstest]
#[case::outputs(format!("{},{}", ia("b"), ia("a")), "", "", "", "output", "a")]
#[case::inputs("".into(), format!(r#"("{D2}",["out"]),("{D}",["out"])"#), "", "", "input derivation", D)]
#[case::input_outputs("".into(), format!(r#"("{D}",["z","a"])"#), "", "", "output name", "a")]
#[case::sources("".into(), "", format!(r#""{D2}","{D}""#), "", "input source", D)]
#[case::env("".into(), "", "", r#"("b",""),("a","")"#.into(), "environment variable", "a")]
fn unsorted(
    #[case] outputs: String,
    #[case] inputs: String,
    #[case] srcs: String,
    #[case] env: String,
    #[case] what: &str,
    #[case] key: &str,
) {
    let outputs = if outputs.is_empty() {
        ia("out")
    } else {
        outputs
    };
    let (_, kind) = syntax(&drv(&outputs, &inputs, &srcs, &env));
    assert_eq!(
        kind,
        SyntaxError::Unsorted {
            what: leak(what),
            key: key.to_owned()
        }
    );
}

#[rstest]
#[case::outputs(format!("{},{}", ia("a"), ia("a")), "", "", "", "output", "a")]
#[case::inputs("".into(), format!(r#"("{D}",["out"]),("{D}",["out"])"#), "", "", "input derivation", D)]
#[case::input_outputs("".into(), format!(r#"("{D}",["a","a"])"#), "", "", "output name", "a")]
#[case::sources("".into(), "", format!(r#""{D}","{D}""#), "", "input source", D)]
#[case::env("".into(), "", "", r#"("name","x"),("name","y")"#.into(), "environment variable", "name")]
fn duplicates(
    #[case] outputs: String,
    #[case] inputs: String,
    #[case] srcs: String,
    #[case] env: String,
    #[case] what: &str,
    #[case] key: &str,
) {
    let outputs = if outputs.is_empty() {
        ia("out")
    } else {
        outputs
    };
    let (_, kind) = syntax(&drv(&outputs, &inputs, &srcs, &env));
    assert_eq!(
        kind,
        SyntaxError::Duplicate {
            what: leak(what),
            key: key.to_owned()
        }
    );
}

/// The `what` of the errors is a `&'static str`; the rstest cases pass `&str`.
fn leak(s: &str) -> &'static str {
    match s {
        "output" => "output",
        "input derivation" => "input derivation",
        "output name" => "output name",
        "input source" => "input source",
        "environment variable" => "environment variable",
        other => panic!("unknown kind {other}"),
    }
}

#[rstest]
#[case::relative(r#"("out","nix/store/00000000000000000000000000000000-a","","")"#)]
#[case::bad_hash(r#"("out","/nix/store/e0000000000000000000000000000000-a","","")"#)]
#[case::bad_name(r#"("out","/nix/store/00000000000000000000000000000000-a b","","")"#)]
#[case::sub_path(r#"("out","/nix/store/00000000000000000000000000000000-a/b","","")"#)]
#[case::other_store(r#"("out","/gnu/store/00000000000000000000000000000000-a","","")"#)]
fn bad_output_paths(#[case] output: &str) {
    let (offset, kind) = syntax(&drv(output, "", "", ""));
    assert_eq!(offset, r#"Derive([("out","#.len());
    assert!(
        matches!(
            kind,
            SyntaxError::StorePath {
                field: "output path",
                ..
            }
        ),
        "{kind:?}"
    );
}

#[test]
fn non_utf8_output_name() {
    let mut text = drv(&ia("o\u{e9}"), "", "", "").into_bytes();
    // Replace the two-byte UTF-8 é by a lone latin1 0xe9.
    let pos = text.iter().position(|&b| b == 0xc3).expect("é");
    text.splice(pos..pos + 2, [0xe9]);
    assert!(matches!(
        Derivation::from_aterm_bytes(&text),
        Err(ParseError::Syntax {
            offset: 9,
            kind: SyntaxError::NotUtf8 {
                field: "output name"
            }
        })
    ));
}

#[test]
fn non_utf8_env_builder_args_and_system_are_fine() {
    let mut bytes = format!(r#"Derive([("out","{P}","","")],[],[],""#).into_bytes();
    bytes.extend_from_slice(b"s\xe9\",\"b\xe9\",[\"a\xe9\"],[(\"k\xe9\",\"v\xe9\")])");
    let d = Derivation::from_aterm_bytes(&bytes).expect("bytes are fine there");
    assert_eq!(d.system, &b"s\xe9"[..]);
    assert_eq!(d.environment[&b"k\xe9"[..]], &b"v\xe9"[..]);
    assert_eq!(d.to_aterm_bytes(), bytes);
}

#[rstest]
#[case::floating(r#"("out","","r:sha256","")"#, Unsupported::CaFloating)]
#[case::impure(r#"("out","","r:sha256","impure")"#, Unsupported::Impure)]
#[case::deferred(r#"("out","","","")"#, Unsupported::Deferred)]
#[case::text(r#"("out","","text:sha256","")"#, Unsupported::TextOutput)]
#[case::git(r#"("out","","git:sha1","")"#, Unsupported::GitHashing)]
fn unsupported_outputs(#[case] output: &str, #[case] what: Unsupported) {
    let (_, kind) = syntax(&drv(output, "", "", ""));
    assert_eq!(kind, SyntaxError::Unsupported(what));
}

#[test]
fn drv_with_version_is_unsupported() {
    let (offset, kind) = syntax(r#"DrvWithVersion("xp-dyn-drv",[],[],[],"s","b",[],[])"#);
    assert_eq!(
        (offset, kind),
        (0, SyntaxError::Unsupported(Unsupported::DrvWithVersion))
    );
    assert!(kind_message(r#"DrvWithVersion("#).contains("dynamic-derivations"));
}

fn kind_message(input: &str) -> String {
    Derivation::from_aterm_bytes(input.as_bytes())
        .expect_err("error")
        .to_string()
}

#[rstest]
#[case::unknown_algo(
    r#"("out","P","sha3","00")"#,
    "unknown hash algorithm 'sha3' in output"
)]
#[case::upper_hex(
    r#"("out","P","md5","D41D8CD98F00B204E9800998ECF8427E")"#,
    "output hash 'D41D8CD98F00B204E9800998ECF8427E' is not a lowercase base16 md5 digest"
)]
#[case::nix32(
    r#"("out","P","sha1","1xqs5lngbcdlqh4wqd3a1yflq2yjfswf")"#,
    "output hash '1xqs5lngbcdlqh4wqd3a1yflq2yjfswf' is not a lowercase base16 sha1 digest"
)]
#[case::hash_without_algo(r#"("out","P","","00")"#, "output has a hash but no hash algorithm")]
fn bad_hashes(#[case] output: &str, #[case] message: &str) {
    let (_, kind) = syntax(&drv(&output.replace('P', P), "", "", ""));
    assert_eq!(kind.to_string(), message);
}

#[test]
fn fixed_output_parses() {
    let text = drv(
        &format!(r#"("out","{P}","r:md5","d41d8cd98f00b204e9800998ecf8427e")"#),
        "",
        "",
        "",
    );
    let d = Derivation::from_aterm_bytes(text.as_bytes()).expect("valid");
    assert!(d.is_fixed_output());
    assert_eq!(d.to_aterm_bytes(), text.as_bytes());
}

#[test]
fn escapes_are_read_as_cpp_nix_reads_them() {
    // \n \r \t are control characters, any other escaped byte is itself.
    let text = drv(&ia("out"), "", "", r#"("k","\n\r\t\"\\\a\$")"#);
    let d = Derivation::from_aterm_bytes(text.as_bytes()).expect("valid");
    assert_eq!(d.environment[&b"k"[..]], &b"\n\r\t\"\\a$"[..]);
}

#[rstest]
#[case::no_outputs("", ValidationError::NoOutputs)]
#[case::bad_output_name(&ia("a b"), ValidationError::InvalidOutputName("a b".into()))]
#[case::fixed_not_out(
    &format!(r#"("lib","{P}","md5","d41d8cd98f00b204e9800998ecf8427e")"#),
    ValidationError::FixedOutputNotOut("lib".into())
)]
#[case::mixed(
    &format!(r#"("lib","{P}","",""),("out","{P}","md5","d41d8cd98f00b204e9800998ecf8427e")"#),
    ValidationError::MixedOutputTypes
)]
#[case::two_fixed(
    &format!(r#"("a","{P}","md5","d41d8cd98f00b204e9800998ecf8427e"),("out","{P}","md5","d41d8cd98f00b204e9800998ecf8427e")"#),
    ValidationError::MultipleFixedOutputs
)]
fn invalid_outputs(#[case] outputs: &str, #[case] expected: ValidationError) {
    assert_eq!(
        Derivation::from_aterm_bytes(drv(outputs, "", "", "").as_bytes()),
        Err(ParseError::Invalid(expected))
    );
}

#[rstest]
#[case::not_a_drv(&format!(r#"("{P}",["out"])"#), ValidationError::InputNotDerivation(P.into()))]
#[case::no_outputs(&format!(r#"("{D}",[])"#), ValidationError::EmptyInputOutputs(D.into()))]
#[case::bad_output(
    &format!(r#"("{D}",["a/b"])"#),
    ValidationError::InvalidInputOutputName { drv: D.into(), output: "a/b".into() }
)]
fn invalid_inputs(#[case] inputs: &str, #[case] expected: ValidationError) {
    assert_eq!(
        Derivation::from_aterm_bytes(drv(&ia("out"), inputs, "", "").as_bytes()),
        Err(ParseError::Invalid(expected))
    );
}

#[rstest]
#[case::empty_system(r#""","b""#, ValidationError::EmptySystem)]
#[case::empty_builder(r#""s","""#, ValidationError::EmptyBuilder)]
#[case::quote_in_system(r#""a\"b","b""#, ValidationError::UnrepresentableSystem("a\"b".into()))]
#[case::backslash_in_system(r#""a\\b","b""#, ValidationError::UnrepresentableSystem("a\\b".into()))]
fn invalid_system_and_builder(#[case] system_builder: &str, #[case] expected: ValidationError) {
    let text = format!(r#"Derive([{}],[],[],{system_builder},[],[])"#, ia("out"));
    assert_eq!(
        Derivation::from_aterm_bytes(text.as_bytes()),
        Err(ParseError::Invalid(expected))
    );
}

/// C++ Nix accepts an empty output name (`outputs = [ "" ]` with structured
/// attrs), and so do we; the golden files hold one.
#[test]
fn empty_output_name_is_valid() {
    let text = drv(&ia(""), "", "", "");
    assert!(Derivation::from_aterm_bytes(text.as_bytes()).is_ok());
}
