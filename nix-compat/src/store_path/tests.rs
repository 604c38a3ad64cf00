//! Vectors from the reference C++ Nix 2.26:
//! - text paths: `nix-instantiate --eval -E 'builtins.toFile "foo" "bar"'` and the
//!   nested `toFile` expressions below;
//! - fixed paths: `nix-store --print-fixed-path [--recursive] ALGO HEX bar`;
//! - placeholders: `nix-instantiate --eval -E 'builtins.placeholder "out"'`;
//! - name rules: `builtins.toFile NAME ""` accepting or rejecting NAME.

use super::*;
use crate::nixhash::{CAHash, HashAlgo, NixHash};
use hex_literal::hex;
use proptest::prelude::*;
use rstest::rstest;

fn p(s: &str) -> StorePath<String> {
    StorePathRef::from_absolute_path(s.as_bytes())
        .expect("valid store path")
        .to_owned()
}

#[test]
fn parse_and_print() {
    let s = "/nix/store/00bgd045z0d4icpbc2yyz4gx48ak44la-net-tools-1.60_p20170221182432";
    let path = StorePathRef::from_absolute_path(s.as_bytes()).expect("valid");
    assert_eq!(
        path.digest(),
        &hex!("8a12321522fd91efbd60ebb2481af88580f61600")
    );
    assert_eq!(path.name_str(), "net-tools-1.60_p20170221182432");
    assert_eq!(path.to_absolute_path(), s);
    assert_eq!(
        path.to_string(),
        "00bgd045z0d4icpbc2yyz4gx48ak44la-net-tools-1.60_p20170221182432"
    );
    let owned: StorePath<String> = path.to_string().parse().expect("basename parses");
    assert_eq!(owned, path);
}

#[rstest]
#[case::plain("foo")]
#[case::dot_prefixed(".gitignore")]
#[case::three_dots("...")]
#[case::equals("=foo")]
#[case::dotdot_text("..foo")]
#[case::all_chars("aZ09+-._?=")]
#[case::max_len(&"a".repeat(211))]
fn valid_names(#[case] name: &str) {
    assert_eq!(validate_name(name.as_bytes()), Ok(name));
}

#[rstest]
#[case::empty("", "name must not be empty")]
#[case::dot(".", "name '.' is not valid")]
#[case::dotdot("..", "name '..' is not valid")]
#[case::dot_dash(".-foo", "first dash-separated component must not be '.'")]
#[case::dotdot_dash("..-foo", "first dash-separated component must not be '..'")]
#[case::space("a b", "contains illegal character ' '")]
#[case::slash("a/b", "contains illegal character '/'")]
#[case::too_long(&"a".repeat(212), "must be no longer than 211 characters")]
fn invalid_names(#[case] name: &str, #[case] msg: &str) {
    let err = validate_name(name.as_bytes()).expect_err("invalid");
    assert!(err.to_string().contains(msg), "{err}");
}

#[rstest]
#[case::not_in_store(
    "/nix/stor/00bgd045z0d4icpbc2yyz4gx48ak44la-foo",
    "is not in the Nix store"
)]
#[case::too_short("/nix/store/00bgd045z0d4icpbc2yyz4gx48ak44la-", "too short")]
#[case::bad_hash_char(
    "/nix/store/00bgd045z0d4icpbc2yyz4gx48ak44le-foo",
    "illegal base-32 character 'e'"
)]
#[case::no_dash("/nix/store/00bgd045z0d4icpbc2yyz4gx48ak44laXfoo", "has no '-'")]
#[case::subpath(
    "/nix/store/00bgd045z0d4icpbc2yyz4gx48ak44la-foo/bar",
    "illegal character '/'"
)]
fn invalid_paths(#[case] path: &str, #[case] msg: &str) {
    let err = StorePathRef::from_absolute_path(path.as_bytes()).expect_err("invalid");
    assert!(err.to_string().contains(msg), "{err}");
}

#[test]
fn full_path_with_rest() {
    let (path, rest) = StorePathRef::from_absolute_path_full(
        "/nix/store/00bgd045z0d4icpbc2yyz4gx48ak44la-foo/bin/x",
    )
    .expect("valid");
    assert_eq!(path.name_str(), "foo");
    assert_eq!(rest, "/bin/x");
}

#[test]
fn text_paths() {
    let foo = build_text_path("foo", "bar", []).expect("valid");
    assert_eq!(foo, p("/nix/store/vxjiwkjkn7x4079qvh1jkl5pn05j2aw0-foo"));
    let baz = build_text_path("baz", foo.to_absolute_path(), [foo.as_ref()]).expect("valid");
    assert_eq!(baz, p("/nix/store/5xd714cbfnkz02h2vbsj4fm03x3f15nf-baz"));
    // References are sorted by the path, whatever order they come in.
    let content = format!("{} {}", foo.to_absolute_path(), baz.to_absolute_path());
    let two = build_text_path("two", &content, [foo.as_ref(), baz.as_ref()]).expect("valid");
    assert_eq!(two, p("/nix/store/imzilz2qdvj4664d25v2v5nbhqgcgsbb-two"));
}

#[rstest]
#[case::flat_sha256(
    CAHash::Flat(NixHash::Sha256(hex!("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"))),
    "/nix/store/9h6cm342k8yc9inmfdn11p6lnhivppp5-bar"
)]
#[case::nar_sha256(
    CAHash::Nar(NixHash::Sha256(hex!("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"))),
    "/nix/store/hlai0aki30l033g0kk8bcc58gxnvysmj-bar"
)]
#[case::nar_sha1(
    CAHash::Nar(NixHash::Sha1(hex!("aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"))),
    "/nix/store/qz3cr2si31gbdpbzn8j8lrwn3yxhzv0j-bar"
)]
#[case::flat_md5(
    CAHash::Flat(NixHash::Md5(hex!("5d41402abc4b2a76b9719d911017c592"))),
    "/nix/store/mbpqmjk0rkhn47dylj1l390ixh70b1wf-bar"
)]
fn fixed_paths(#[case] ca: CAHash, #[case] expected: &str) {
    assert_eq!(
        build_ca_path("bar", &ca, [], false).expect("valid"),
        p(expected)
    );
}

#[test]
fn references_only_where_allowed() {
    let foo = p("/nix/store/vxjiwkjkn7x4079qvh1jkl5pn05j2aw0-foo");
    let flat = CAHash::Flat(NixHash::digest_of(HashAlgo::Sha256, b"x"));
    assert!(matches!(
        build_ca_path("x", &flat, [foo.as_ref()], false),
        Err(BuildStorePathError::ReferencesNotAllowed(_))
    ));
    let nar_sha1 = CAHash::Nar(NixHash::digest_of(HashAlgo::Sha1, b"x"));
    assert!(build_ca_path("x", &nar_sha1, [], true).is_err());
    let text = CAHash::Text([0; 32]);
    assert!(build_ca_path("x", &text, [], true).is_err());
    // Source paths take references and a self reference, and both change the path.
    let nar = CAHash::Nar(NixHash::digest_of(HashAlgo::Sha256, b"x"));
    let plain = build_ca_path("x", &nar, [], false).expect("valid");
    let with_self = build_ca_path("x", &nar, [], true).expect("self allowed");
    let with_ref = build_ca_path("x", &nar, [foo.as_ref()], false).expect("refs allowed");
    assert_ne!(plain, with_self);
    assert_ne!(plain, with_ref);
}

#[test]
fn text_ca_equals_text_path() {
    let content = b"bar";
    let ca = CAHash::Text(sha2::Sha256::digest(content).into());
    assert_eq!(
        build_ca_path("foo", &ca, [], false).expect("valid"),
        build_text_path("foo", content, []).expect("valid")
    );
}

#[rstest]
#[case::out("out", "/1rz4g4znpzjwh1xymhjpm42vipw92pr73vdgl6xs1hycac8kf2n9")]
#[case::dev("dev", "/02qcpld1y6xhs5gz9bchpxaw0xdhmsp5dv88lh25r2ss44kh8dxz")]
fn placeholders(#[case] output: &str, #[case] expected: &str) {
    assert_eq!(hash_placeholder(output), expected);
}

#[test]
fn invalid_computed_names() {
    assert!(build_text_path(".", "x", []).is_err());
    assert!(build_output_path(&[0; 32], "out", &"a".repeat(212)).is_err());
    assert!(build_output_path(&[0; 32], "dev", &"a".repeat(208)).is_err());
}

use sha2::Digest;

proptest! {
    #[test]
    fn ord_is_basename_string_order(a in any::<[u8; 20]>(), b in any::<[u8; 20]>(), na in "[a-z]{1,5}", nb in "[a-z]{1,5}") {
        let pa = StorePathRef::from_name_and_digest(&na, a).expect("valid");
        let pb = StorePathRef::from_name_and_digest(&nb, b).expect("valid");
        prop_assert_eq!(pa.cmp(&pb), pa.to_string().cmp(&pb.to_string()));
        prop_assert_eq!(pa == pb, pa.to_string() == pb.to_string());
    }

    #[test]
    fn basename_roundtrip(d in any::<[u8; 20]>(), name in "[a-zA-Z0-9+._?=][a-zA-Z0-9+._?=-]{0,40}") {
        prop_assume!(validate_name(name.as_bytes()).is_ok());
        let path = StorePathRef::from_name_and_digest(&name, d).expect("valid");
        let text = path.to_absolute_path();
        prop_assert_eq!(StorePathRef::from_absolute_path(text.as_bytes()).expect("parses"), path);
    }

    #[test]
    fn parse_never_panics(s in proptest::collection::vec(any::<u8>(), 0..80)) {
        let _ = StorePathRef::from_bytes(&s);
        let _ = StorePathRef::from_absolute_path(&s);
    }
}
