//! Vectors produced with the reference C++ Nix 2.26:
//! `printf hello | sha256sum`, then
//! `nix hash convert --hash-algo sha256 --to nix32|base64|sri HEX`, and the
//! acceptance/rejection cases with `nix hash convert --to base16 INPUT`.

use super::*;
use hex_literal::hex;
use proptest::prelude::*;
use rstest::rstest;

const HELLO_SHA256: [u8; 32] =
    hex!("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");

#[test]
fn digest_of_and_formats() {
    let h = NixHash::digest_of(HashAlgo::Sha256, b"hello");
    assert_eq!(h, NixHash::Sha256(HELLO_SHA256));
    assert_eq!(
        h.format(HashFormat::Nix32, false),
        "094qif9n4cq4fdg459qzbhg1c6wywawwaaivx0k0x8xhbyx4vwic"
    );
    assert_eq!(
        h.format(HashFormat::Base64, false),
        "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="
    );
    assert_eq!(
        h.to_sri(),
        "sha256-LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="
    );
    assert_eq!(
        h.format(HashFormat::Base16, true),
        "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    );
}

#[rstest]
#[case::md5(
    HashAlgo::Md5,
    "4jqlbi14cxf6wpcajbphm40hax",
    "md5-XUFAKrxLKna5cZ2REBfFkg=="
)]
#[case::sha1(
    HashAlgo::Sha1,
    "9m1skbnr5i43n3yypvda5s65vhfwdx5a",
    "sha1-qvTGHdzF6KLavt4PO0gs2a6pQ00="
)]
#[case::sha512(
    HashAlgo::Sha512,
    "11w1pmwfdpz9pisbhp5qiv38q6dmidq2ipcqykw3p0sb6yrqcij79rwcwcjbxyzwbdal349qbxrncbk7pmd6snljrfpiwv2pljd4wcv",
    "sha512-m3HSJL1i83hdltRq0+o9czGb+8KJDKra4t/3JRlnPKcjI8PZm6XBHXx6zG4UuMXaDEZjR1wuXDre9G9zvN7AQw=="
)]
fn every_algo(#[case] algo: HashAlgo, #[case] nix32: &str, #[case] sri: &str) {
    let h = NixHash::digest_of(algo, b"hello");
    assert_eq!(h.to_nix32(), nix32);
    assert_eq!(h.to_sri(), sri);
    assert_eq!(NixHash::parse(sri, None).expect("sri parses"), h);
    assert_eq!(NixHash::parse(nix32, Some(algo)).expect("nix32 parses"), h);
    assert_eq!(
        NixHash::parse(&format!("{algo}:{nix32}"), None).expect("prefixed parses"),
        h
    );
}

#[rstest]
#[case::sri_unpadded("sha256-LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ")]
#[case::sri_trailing_junk_after_pad("sha256-LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=junk!")]
#[case::sri_newline("sha256-LPJNul+wow4m6Dsq\nxbninhsWHlwfp0JecwQzYpOLmCQ=")]
#[case::sri_trailing_bits_ignored("sha256-LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCR")]
#[case::upper_hex("sha256:2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824")]
#[case::padded_base64("sha256:LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=")]
fn accepts_like_nix(#[case] input: &str) {
    assert_eq!(
        NixHash::parse(input, None).expect("accepted by C++ Nix"),
        NixHash::Sha256(HELLO_SHA256)
    );
}

#[rstest]
#[case::base64_unpadded_in_nix_form(
    "sha256:LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ",
    None,
    "hash 'LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ' has wrong length for hash algorithm 'sha256'"
)]
#[case::conflicting(
    "sha256:2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824",
    Some(HashAlgo::Sha1),
    "hash 'sha256:2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824' should have type 'sha1'"
)]
#[case::bad_base64_char(
    "sha256-LPJ#ul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=",
    None,
    "invalid SRI hash 'LPJ#ul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ='"
)]
#[case::unknown_algo(
    "blake3:2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824",
    None,
    "unknown hash algorithm 'blake3', expect 'md5', 'sha1', 'sha256', or 'sha512'"
)]
#[case::short(
    "sha256:2CF24",
    None,
    "hash '2CF24' has wrong length for hash algorithm 'sha256'"
)]
#[case::no_type(
    "2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824",
    None,
    "hash '2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824' does not include a type, nor is the type otherwise known from context"
)]
fn rejects_like_nix(#[case] input: &str, #[case] algo: Option<HashAlgo>, #[case] msg: &str) {
    let err = NixHash::parse(input, algo).expect_err("rejected by C++ Nix");
    assert_eq!(err.to_string(), msg);
}

#[rstest]
#[case::text(
    "text:sha256:1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s",
    CaMethod::Text
)]
#[case::flat(
    "fixed:sha256:1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s",
    CaMethod::Flat
)]
#[case::nar(
    "fixed:r:sha256:1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s",
    CaMethod::Nar
)]
fn ca_roundtrip(#[case] input: &str, #[case] method: CaMethod) {
    let ca = CAHash::parse(input).expect("valid content address");
    assert_eq!(ca.method(), method);
    assert_eq!(ca.to_string(), input);
}

#[test]
fn ca_accepts_any_digest_encoding_and_prints_nix32() {
    let hex = "fixed:r:sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
    let ca = CAHash::parse(hex).expect("hex digest accepted");
    assert_eq!(
        ca.to_string(),
        "fixed:r:sha256:094qif9n4cq4fdg459qzbhg1c6wywawwaaivx0k0x8xhbyx4vwic"
    );
    assert_eq!(ca.method_algo(), "r:sha256");
}

#[rstest]
#[case::no_prefix("sha256", "not a content address")]
#[case::unknown_prefix("foo:sha256:abc", "prefix 'foo' is unrecognized")]
#[case::git("fixed:git:sha1:abc", "git-hashing")]
#[case::text_sha1(
    "text:sha1:9m1skbnr5i43n3yypvda5s65vhfwdx5a",
    "text content address must use sha256"
)]
#[case::no_algo("fixed:r:abc", "must be in form '<algo>:<hash>'")]
fn ca_rejects(#[case] input: &str, #[case] msg: &str) {
    let err = CAHash::parse(input).expect_err("invalid");
    assert!(err.to_string().contains(msg), "{err}");
}

proptest! {
    #[test]
    fn every_format_roundtrips(algo in prop::sample::select(&HashAlgo::ALL[..]), data in any::<Vec<u8>>()) {
        let h = NixHash::digest_of(algo, &data);
        for format in [HashFormat::Base16, HashFormat::Nix32, HashFormat::Base64, HashFormat::Sri] {
            prop_assert_eq!(&NixHash::parse(&h.format(format, true), None).expect("own output parses"), &h);
            if format != HashFormat::Sri {
                prop_assert_eq!(&NixHash::parse_unprefixed(&h.format(format, false), algo).expect("parses"), &h);
            }
        }
    }

    #[test]
    fn parse_never_panics(s in "\\PC{0,120}") {
        let _ = NixHash::parse(&s, None);
        let _ = NixHash::parse(&s, Some(HashAlgo::Sha256));
        let _ = CAHash::parse(&s);
    }
}

/// `nix path-info --json` prints hashes as SRI and content addresses in their
/// text form; both read back from any form C++ Nix parses.
#[cfg(feature = "serde")]
#[test]
fn json_shapes() {
    // `printf hello | nix hash file --sri /dev/stdin` with the reference.
    let hello = NixHash::digest_of(HashAlgo::Sha256, b"hello");
    let json = serde_json::to_string(&hello).expect("serialises");
    assert_eq!(
        json,
        r#""sha256-LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=""#
    );
    let from_hex: NixHash = serde_json::from_str(
        r#""sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824""#,
    )
    .expect("base16 parses");
    assert_eq!(from_hex, hello);
    let err = serde_json::from_str::<NixHash>(r#""sha256:xyz""#).expect_err("invalid");
    assert!(err.to_string().contains("xyz"), "{err}");

    let ca = CAHash::Nar(hello);
    let json = serde_json::to_string(&ca).expect("serialises");
    assert_eq!(
        json,
        r#""fixed:r:sha256:094qif9n4cq4fdg459qzbhg1c6wywawwaaivx0k0x8xhbyx4vwic""#
    );
    assert_eq!(serde_json::from_str::<CAHash>(&json).expect("parses"), ca);
    assert!(serde_json::from_str::<CAHash>(r#""fixed:git:sha1:abc""#).is_err());
}
