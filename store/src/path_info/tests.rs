//! PathInfo ↔ narinfo conversions, fingerprints, signatures and JSON.

use nix_compat::{
    narinfo::NarInfo,
    signature::{SecretKey, TrustedKeys},
};

use crate::{PathInfo, StorePathHash, pathinfoservice::tests::fixture_info};

#[test]
fn narinfo_round_trip() {
    let info = fixture_info("hello", 9);
    let text = info.to_narinfo("nar/x.nar", "none").to_string();
    let parsed = NarInfo::parse(&text).expect("our narinfo parses");
    let back = PathInfo::from_narinfo(&parsed, info.node.clone()).expect("converts");
    assert_eq!(back, info);
}

#[test]
fn narinfo_text_has_cpp_nix_shape() {
    let mut info = fixture_info("hello", 9);
    info.signatures.clear();
    info.ca = None;
    let text = info.to_narinfo("nar/abc.nar", "none").to_string();
    let lines: Vec<&str> = text
        .lines()
        .map(|l| l.split(':').next().unwrap_or(""))
        .collect();
    assert_eq!(
        lines,
        [
            "StorePath",
            "URL",
            "Compression",
            "NarHash",
            "NarSize",
            "References",
            "Deriver"
        ]
    );
    assert!(text.contains(&format!(
        "Deriver: {}\n",
        info.deriver.as_ref().expect("set")
    )));
}

#[test]
fn from_narinfo_rejects_non_sha256_nar_hash() {
    let text = "StorePath: /nix/store/00000000000000000000000000000000-x\nURL: nar/x.nar\nNarHash: sha1:0000000000000000000000000000000000000000\nNarSize: 10\n";
    let n = NarInfo::parse(text).expect("valid narinfo");
    let err = PathInfo::from_narinfo(&n, fixture_info("x", 1).node).expect_err("sha1");
    assert!(err.to_string().contains("not sha256"), "{err}");
}

#[test]
fn signatures_verify_with_the_matching_key_only() {
    let info = fixture_info("signed", 3);
    let key = SecretKey::from_seed("test-1", [7; 32]).expect("key");
    let mut trusted = TrustedKeys::new();
    trusted.insert(key.public_key());
    assert_eq!(info.check_signatures(&trusted), 1);
    let other = SecretKey::from_seed("test-1", [8; 32]).expect("key");
    let mut wrong = TrustedKeys::new();
    wrong.insert(other.public_key());
    assert_eq!(info.check_signatures(&wrong), 0);
}

#[test]
fn signing_twice_keeps_one_signature() {
    let mut info = fixture_info("signed", 3);
    let key = SecretKey::from_seed("test-1", [7; 32]).expect("key");
    info.sign(&key);
    assert_eq!(info.signatures.len(), 1);
}

#[test]
fn json_matches_nix_path_info_shape() {
    let mut info = fixture_info("hello", 1);
    info.signatures.clear();
    let doc = crate::path_info_json_document([(
        info.store_path.to_absolute_path(),
        Some(info.to_json()),
    )]);
    let expected = format!(
        concat!(
            r#"{{"{path}":{{"ca":"fixed:sha256:{ca}","deriver":"{drv}","narHash":"{sri}","#,
            r#""narSize":121,"references":["{r}"],"registrationTime":0,"signatures":[],"ultimate":false}}}}"#
        ),
        path = info.store_path.to_absolute_path(),
        ca = nix_compat::nixbase32::encode(&[1; 32]),
        drv = info.deriver.as_ref().expect("set").to_absolute_path(),
        sri = info.nar_hash().to_sri(),
        r = info.references[0].to_absolute_path(),
    );
    assert_eq!(doc, expected);
}

#[test]
fn store_path_hash_text_round_trip() {
    let h = StorePathHash([0x5a; 20]);
    let s = h.to_string();
    assert_eq!(s.len(), 32);
    assert_eq!(s.parse::<StorePathHash>().expect("parses"), h);
    assert!("not-a-hash".parse::<StorePathHash>().is_err());
}
