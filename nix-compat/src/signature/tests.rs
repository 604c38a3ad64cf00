//! Keys and signatures, checked against the keys in
//! `testdata/narinfo/keys` (made by `nix key generate-secret`,
//! `nix key convert-secret-to-public` and `nix-store --generate-binary-cache-key`
//! of the reference C++ Nix 2.26.3, see the README there) and the `Sig:` lines
//! the reference wrote with them.

use super::*;
use rstest::rstest;

fn golden(name: &str) -> String {
    let path = format!(
        "{}/testdata/narinfo/keys/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[rstest]
#[case::nix_key("cache.example.org-1")]
#[case::nix_store("other.example.org-2")]
fn secret_key_file_round_trips_and_derives_the_public_key(#[case] name: &str) {
    let secret_text = golden(&format!("{name}.secret"));
    let public_text = golden(&format!("{name}.public"));
    let secret = SecretKey::parse(&secret_text).expect("reference secret key parses");
    assert_eq!(secret.name(), name);
    // `nix key generate-secret` writes no trailing newline.
    assert_eq!(secret.to_key_file_string(), secret_text);
    // `nix key convert-secret-to-public`.
    assert_eq!(secret.public_key().to_string(), public_text);
    let public = PublicKey::parse(&public_text).expect("reference public key parses");
    assert_eq!(public, secret.public_key());
    assert_eq!(public.name(), name);
}

#[test]
fn key_files_may_end_in_a_newline() {
    let text = golden("cache.example.org-1.secret") + "\n";
    assert!(SecretKey::parse(&text).is_ok());
    let text = golden("cache.example.org-1.public") + "\n";
    assert!(PublicKey::parse(&text).is_ok());
}

#[test]
fn sign_and_verify() {
    let key = SecretKey::from_seed("test-1", [7; 32]).expect("valid name");
    let sig = key.sign(b"data");
    assert_eq!(sig.name(), "test-1");
    let text = sig.to_string();
    let public = key.public_key();
    assert_eq!(public.verify(b"data", &text), Ok(true));
    assert_eq!(public.verify(b"datA", &text), Ok(false));
    assert!(public.verify_signature(b"data", &sig));
    assert!(!public.verify_signature(b"other", &sig));
    // Deterministic (RFC 8032).
    assert_eq!(key.sign(b"data"), sig);
    // Parsing the text gives the same signature.
    assert_eq!(SignatureRef::parse(&text).expect("valid").to_owned(), sig);
}

#[test]
fn verification_requires_the_key_name() {
    let key = SecretKey::from_seed("a", [1; 32]).expect("valid name");
    let sig = key.sign(b"data").to_string();
    let payload = sig.strip_prefix("a:").expect("name prefix");
    let renamed = format!("b:{payload}");
    assert_eq!(key.public_key().verify(b"data", &renamed), Ok(false));
    assert_eq!(key.public_key().verify_anon(b"data", payload), Ok(true));

    let trusted: TrustedKeys = [key.public_key()].into_iter().collect();
    assert_eq!(trusted.verify(b"data", &sig), Ok(true));
    assert_eq!(trusted.verify(b"data", &renamed), Ok(false));
    // No name at all: simply not valid.
    assert_eq!(trusted.verify(b"data", payload), Ok(false));
    assert_eq!(trusted.verify(b"data", &format!(":{payload}")), Ok(false));
}

#[test]
fn malformed_signature_of_a_trusted_key_is_an_error() {
    let key = SecretKey::from_seed("a", [1; 32]).expect("valid name");
    let trusted: TrustedKeys = [key.public_key()].into_iter().collect();
    // Too short, and an invalid character (C++ Nix then sees an empty payload).
    for sig in ["a:AAAA", "a:!!!!"] {
        assert!(matches!(
            trusted.verify(b"data", sig),
            Err(Error::InvalidSignature(_))
        ));
    }
    // The same malformed signature under an unknown name is just not valid.
    assert_eq!(trusted.verify(b"data", "z:AAAA"), Ok(false));
}

#[test]
fn non_canonical_s_is_rejected() {
    // S + L is the same scalar but not canonically encoded: libsodium (and
    // therefore C++ Nix) rejects it, and so must we.
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let key = SecretKey::from_seed("a", [9; 32]).expect("valid name");
    let sig = key.sign(b"data");
    let mut bytes = *sig.bytes();
    let mut carry = 0u16;
    for (b, l) in bytes[32..].iter_mut().zip(L) {
        let sum = u16::from(*b) + u16::from(l) + carry;
        *b = (sum & 0xff) as u8;
        carry = sum >> 8;
    }
    // S < L < 2^253, so S + L still fits the 256-bit field.
    assert_eq!((carry, bytes[63] & 0xe0), (0, 0));
    let forged = Signature::new("a", bytes);
    assert!(!key.public_key().verify_signature(b"data", &forged));
    assert!(key.public_key().verify_signature(b"data", &sig));
}

#[test]
fn weak_public_key_verifies_nothing() {
    // 32 zero bytes decode to a point of order 4; C++ Nix accepts the key but
    // libsodium verifies nothing with it.
    let key =
        PublicKey::parse("weak:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=").expect("32 bytes");
    let sig = Signature::new("weak", [0; 64]);
    assert!(!key.verify_signature(b"", &sig));
    assert_eq!(key.verify(b"", &sig.to_string()), Ok(false));
}

#[rstest]
#[case::no_colon("abc", Error::CorruptKey)]
#[case::empty_name(":AAAA", Error::CorruptKey)]
#[case::empty_payload("name:", Error::CorruptKey)]
#[case::bad_char("name:AA!A", Error::KeyBase64 { name: "name".into(), character: '!' })]
#[case::short("name:AAAA", Error::PublicKeyLength { name: "name".into(), len: 3 })]
fn public_key_errors(#[case] input: &str, #[case] expected: Error) {
    assert_eq!(PublicKey::parse(input), Err(expected));
}

#[test]
fn secret_key_errors() {
    assert!(matches!(
        SecretKey::parse("name:AAAA"),
        Err(Error::SecretKeyLength { len: 3, .. })
    ));
    // A valid seed with the wrong public half.
    let key = SecretKey::from_seed("k", [3; 32]).expect("valid name");
    let mut text = key.to_key_file_string();
    let other = SecretKey::from_seed("k", [4; 32]).expect("valid name");
    let mut raw = [0u8; 64];
    raw[..32].copy_from_slice(&[3; 32]);
    raw[32..].copy_from_slice(other.public_key().bytes());
    text.truncate(2);
    text.push_str(&data_encoding::BASE64.encode(&raw));
    assert_eq!(
        SecretKey::parse(&text).map(|k| k.name().to_owned()),
        Err(Error::SecretKeyMismatch("k".into()))
    );
}

#[rstest]
#[case::empty("")]
#[case::colon("a:b")]
fn new_key_names_must_read_back(#[case] name: &str) {
    assert_eq!(
        SecretKey::generate(name).map(|k| k.name().to_owned()),
        Err(Error::InvalidKeyName(name.to_owned()))
    );
    assert_eq!(
        PublicKey::new(name, [0; 32]),
        Err(Error::InvalidKeyName(name.to_owned()))
    );
}

#[test]
fn generated_keys_round_trip() {
    let key = SecretKey::generate("cache.example.org-1").expect("randomness");
    let again = SecretKey::parse(&key.to_key_file_string()).expect("parses back");
    assert_eq!(again.public_key(), key.public_key());
    assert_ne!(
        SecretKey::generate("cache.example.org-1")
            .expect("randomness")
            .public_key(),
        key.public_key()
    );
    // Debug never shows the secret.
    assert_eq!(
        format!("{key:?}"),
        "SecretKey(cache.example.org-1:<redacted>)"
    );
}

#[test]
fn trusted_keys_first_of_a_name_wins() {
    let a = SecretKey::from_seed("k", [1; 32])
        .expect("valid")
        .public_key();
    let b = SecretKey::from_seed("k", [2; 32])
        .expect("valid")
        .public_key();
    let mut keys = TrustedKeys::new();
    assert!(keys.insert(a.clone()));
    assert!(!keys.insert(b));
    assert_eq!(keys.get("k"), Some(&a));
    assert_eq!(keys.len(), 1);

    let list = format!(
        "  {}\n\t{}  ",
        golden("cache.example.org-1.public"),
        golden("other.example.org-2.public")
    );
    let keys = TrustedKeys::parse_list(&list).expect("valid keys");
    let names: Vec<&str> = keys.iter().map(PublicKey::name).collect();
    assert_eq!(names, ["cache.example.org-1", "other.example.org-2"]);
    assert!(TrustedKeys::parse_list("bad").is_err());
    assert!(TrustedKeys::parse_list("").expect("empty").is_empty());
}

#[test]
fn count_valid_counts_distinct_signatures() {
    let k1 = SecretKey::from_seed("one", [1; 32]).expect("valid");
    let k2 = SecretKey::from_seed("two", [2; 32]).expect("valid");
    let trusted: TrustedKeys = [k1.public_key()].into_iter().collect();
    let s1 = k1.sign(b"fp").to_string();
    let s2 = k2.sign(b"fp").to_string();
    let sigs = [s1.as_str(), s1.as_str(), s2.as_str(), "garbage"];
    assert_eq!(trusted.count_valid(b"fp", sigs), Ok(1));
}

#[rstest]
#[case::no_name("AAAA")]
#[case::empty_name(":AAAA")]
fn signature_parse_needs_a_name(#[case] input: &str) {
    assert_eq!(
        SignatureRef::parse(input),
        Err(Error::SignatureNoName(input.to_owned()))
    );
}

#[test]
fn signature_parse_needs_64_bytes() {
    assert_eq!(
        SignatureRef::parse("a:AAAA"),
        Err(Error::InvalidSignature("a:AAAA".to_owned()))
    );
}
