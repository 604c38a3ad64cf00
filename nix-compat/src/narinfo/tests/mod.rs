//! narinfo tests: golden files from the reference (`golden`), the parser's
//! corner cases with the reference's reading of each (`edge`), the binary
//! cache helpers (`cache`), and here printing, canonicalisation and
//! properties (round trips, no panics).

mod cache;
mod edge;
mod golden;

use proptest::prelude::*;

use super::*;
use crate::{
    nixhash::{CaMethod, HashAlgo},
    store_path::StorePath,
};

const HELLO: &str = "i9pmrzmpshapij2kin22pff6fc2adavx-hello.txt";
const FOO: &str = "vxjiwkjkn7x4079qvh1jkl5pn05j2aw0-foo";
const NAR_HASH: &str = "sha256:04zwf782yjwnh3q6hz5izfd6jyip8kgw6g6yj43fiqhbyhdd0dqw";

fn path(basename: &str) -> StorePathRef<'_> {
    StorePathRef::from_bytes(basename.as_bytes()).expect("valid store path")
}

#[test]
fn new_narinfo_prints_like_cpp() {
    let hash = NixHash::parse_prefixed(NAR_HASH).expect("valid");
    let mut info = NarInfo::new(path(HELLO), nar_url(&hash, "none"), hash.clone(), 120);
    info.compression = Some("none");
    info.file_hash = Some(hash.clone());
    info.file_size = Some(120);
    assert_eq!(
        info.to_string(),
        format!(
            "StorePath: /nix/store/{HELLO}\n\
             URL: nar/04zwf782yjwnh3q6hz5izfd6jyip8kgw6g6yj43fiqhbyhdd0dqw.nar\n\
             Compression: none\n\
             FileHash: {NAR_HASH}\n\
             FileSize: 120\n\
             NarHash: {NAR_HASH}\n\
             NarSize: 120\n\
             References: \n"
        )
    );
    info.references = vec![path(FOO)];
    info.deriver = Some(path("5xd714cbfnkz02h2vbsj4fm03x3f15nf-baz.drv"));
    info.ca = Some(CAHash::new(CaMethod::Nar, hash).expect("valid"));
    let text = info.to_string();
    assert!(
        text.ends_with(&format!(
            "References: {FOO}\n\
             Deriver: 5xd714cbfnkz02h2vbsj4fm03x3f15nf-baz.drv\n\
             CA: fixed:r:{NAR_HASH}\n"
        )),
        "{text}"
    );
    assert_eq!(NarInfo::parse(&text), Ok(info));
}

#[test]
fn canonicalize_gives_what_cpp_writes() {
    // An old cache's narinfo: hex NarHash, no Compression, System, unsorted
    // and repeated references and signatures, unknown-deriver. References sort
    // by basename, whose nixbase32 hash part orders like the digest.
    let input = format!(
        "StorePath: /nix/store/{HELLO}\n\
         URL: nar/x.nar.bz2\n\
         NarHash: sha256:1c37d01af40be2e80691de3cc3df44377a699afbb17c68f080964b2fd071fc13\n\
         NarSize: 120\n\
         References: {FOO} {HELLO} {FOO}\n\
         Deriver: unknown-deriver\n\
         System: x86_64-linux\n\
         Sig: z:AAAA\n\
         Sig: a:AAAA\n"
    );
    let mut info = NarInfo::parse(&input).expect("parses");
    assert_eq!(info.to_string(), input);
    assert_eq!(info.system(), Some("x86_64-linux"));
    assert_eq!(info.compression_method(), "bzip2");
    assert_eq!(info.quirks.nar_hash_format, HashFormat::Base16);
    assert!(info.quirks.unknown_deriver);
    info.canonicalize();
    assert_eq!(
        info.to_string(),
        format!(
            "StorePath: /nix/store/{HELLO}\n\
             URL: nar/x.nar.bz2\n\
             Compression: bzip2\n\
             NarHash: {NAR_HASH}\n\
             NarSize: 120\n\
             References: {HELLO} {FOO}\n\
             Sig: a:AAAA\n\
             Sig: z:AAAA\n"
        )
    );
}

#[test]
fn fingerprint_needs_a_size() {
    let hash = NixHash::parse_prefixed(NAR_HASH).expect("valid");
    let info = NarInfo::new(path(HELLO), "nar/x.nar", hash, 0);
    let e = info.fingerprint().expect_err("size 0");
    assert_eq!(
        e.to_string(),
        format!(
            "cannot calculate fingerprint of path '/nix/store/{HELLO}' because its size is not known"
        )
    );
    assert_eq!(e.line(), None);
}

#[test]
fn malformed_trusted_signature_is_an_error() {
    let hash = NixHash::parse_prefixed(NAR_HASH).expect("valid");
    let key = crate::signature::SecretKey::from_seed("k", [5; 32]).expect("valid");
    let mut info = NarInfo::new(path(HELLO), "nar/x.nar", hash, 120);
    info.add_signature(&key).expect("signs");
    let keys: TrustedKeys = [key.public_key()].into_iter().collect();
    assert_eq!(info.valid_signatures(&keys), Ok(1));
    assert_eq!(info.parsed_signatures().count(), 1);
    assert!(
        info.parsed_signatures()
            .all(|s| s.is_ok_and(|s| s.name() == "k"))
    );
    info.signatures.push("k:AAAA".into());
    assert!(matches!(
        info.valid_signatures(&keys),
        Err(Error::Signature(signature::Error::InvalidSignature(_)))
    ));
}

#[test]
fn error_messages_name_the_field_and_line() {
    let e = NarInfo::parse(&format!(
        "StorePath: /nix/store/{HELLO}\nURL: u\nNarHash: sha256:xyz\n"
    ))
    .expect_err("bad hash");
    assert_eq!(e.line(), Some(3));
    assert!(
        e.to_string().starts_with("bad hash at line 3: NarHash: "),
        "{e}"
    );
}

fn arb_store_path() -> impl Strategy<Value = StorePath<String>> {
    (any::<[u8; 20]>(), "[a-zA-Z0-9+_?=][a-zA-Z0-9+._?=-]{0,30}").prop_map(|(digest, name)| {
        StorePathRef::from_name_and_digest(&name, digest)
            .expect("valid name")
            .to_owned()
    })
}

fn arb_hash() -> impl Strategy<Value = NixHash> {
    (
        prop::sample::select(HashAlgo::ALL.to_vec()),
        prop::collection::vec(any::<u8>(), 64),
    )
        .prop_map(|(algo, bytes)| {
            NixHash::from_algo_and_digest(algo, &bytes[..algo.digest_len()]).expect("length")
        })
}

fn arb_format() -> impl Strategy<Value = HashFormat> {
    prop::sample::select(vec![
        HashFormat::Nix32,
        HashFormat::Base16,
        HashFormat::Base64,
        HashFormat::Sri,
    ])
}

fn arb_ca() -> impl Strategy<Value = CAHash> {
    (any::<[u8; 32]>(), arb_hash(), 0..3u8).prop_map(|(text, hash, kind)| match kind {
        0 => CAHash::Text(text),
        1 => CAHash::Flat(hash),
        _ => CAHash::Nar(hash),
    })
}

/// The owned parts of a narinfo; the strings are borrowed when it is built.
#[derive(Debug, Clone)]
struct Parts {
    store_path: StorePath<String>,
    url: String,
    compression: Option<String>,
    file_hash: Option<(NixHash, HashFormat)>,
    file_size: Option<u64>,
    nar_hash: (NixHash, HashFormat),
    nar_size: u64,
    references: Vec<StorePath<String>>,
    deriver: Option<StorePath<String>>,
    signatures: Vec<String>,
    ca: Option<CAHash>,
    extra_fields: Vec<(String, String)>,
    references_missing: bool,
    unknown_deriver: bool,
}

fn arb_parts() -> impl Strategy<Value = Parts> {
    let line = "[^\n]{0,40}";
    (
        (
            arb_store_path(),
            "[^\n]{1,40}",
            prop::option::of(line),
            prop::option::of((arb_hash(), arb_format())),
            prop::option::of(any::<u64>()),
            (arb_hash(), arb_format()),
            1..=u64::MAX,
        ),
        (
            prop::collection::vec(arb_store_path(), 0..5),
            prop::option::of(arb_store_path()),
            prop::collection::vec(line, 0..4),
            prop::option::of(arb_ca()),
            prop::collection::vec(("[A-Z][a-zA-Z]{0,8}", line), 0..3),
            any::<bool>(),
            any::<bool>(),
        ),
    )
        .prop_filter(
            "extra keys must be unknown",
            |(_, (_, _, _, _, extra, _, _))| {
                extra.iter().all(|(k, _)| {
                    ![
                        "StorePath",
                        "URL",
                        "Compression",
                        "FileHash",
                        "FileSize",
                        "NarHash",
                        "NarSize",
                        "References",
                        "Deriver",
                        "Sig",
                        "CA",
                    ]
                    .contains(&k.as_str())
                })
            },
        )
        .prop_map(
            |(
                (store_path, url, compression, file_hash, file_size, nar_hash, nar_size),
                (references, deriver, signatures, ca, extra_fields, refs_missing, unknown),
            )| Parts {
                references_missing: refs_missing && references.is_empty(),
                unknown_deriver: unknown && deriver.is_none(),
                store_path,
                url,
                compression,
                file_hash,
                file_size,
                nar_hash,
                nar_size,
                references,
                deriver,
                signatures,
                ca,
                extra_fields,
            },
        )
}

fn build(parts: &Parts) -> NarInfo<'_> {
    let mut info = NarInfo::new(
        parts.store_path.as_ref(),
        parts.url.as_str(),
        parts.nar_hash.0.clone(),
        parts.nar_size,
    );
    info.compression = parts.compression.as_deref();
    info.file_hash = parts.file_hash.as_ref().map(|(h, _)| h.clone());
    info.file_size = parts.file_size;
    info.references = parts.references.iter().map(StorePath::as_ref).collect();
    info.deriver = parts.deriver.as_ref().map(StorePath::as_ref);
    info.signatures = parts.signatures.iter().map(|s| s.as_str().into()).collect();
    info.ca = parts.ca.clone();
    info.extra_fields = parts
        .extra_fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    info.quirks = Quirks {
        references_missing: parts.references_missing,
        unknown_deriver: parts.unknown_deriver,
        nar_hash_format: parts.nar_hash.1,
        file_hash_format: parts
            .file_hash
            .as_ref()
            .map_or(HashFormat::Nix32, |(_, f)| *f),
    };
    info
}

/// Lines built from the narinfo keys with plausible and broken values, to
/// reach deeper into the parser than random text does.
fn arb_line_soup() -> impl Strategy<Value = String> {
    let key = prop::sample::select(vec![
        "StorePath",
        "URL",
        "Compression",
        "FileHash",
        "FileSize",
        "NarHash",
        "NarSize",
        "References",
        "Deriver",
        "Sig",
        "CA",
        "System",
        "",
    ]);
    let value = prop::sample::select(vec![
        format!("/nix/store/{HELLO}"),
        format!("/nix//store/./{HELLO}/"),
        HELLO.to_owned(),
        format!("{HELLO} {FOO}"),
        "unknown-deriver".to_owned(),
        NAR_HASH.to_owned(),
        "sha256-HDfQGvQL4ugGkd48w99EN3ppmvuxfGjwgJZLL9Bx/BM".to_owned(),
        "fixed:r:sha256:04zwf782yjwnh3q6hz5izfd6jyip8kgw6g6yj43fiqhbyhdd0dqw".to_owned(),
        "text:sha256:04zwf782yjwnh3q6hz5izfd6jyip8kgw6g6yj43fiqhbyhdd0dqw".to_owned(),
        "120".to_owned(),
        "+0".to_owned(),
        "nar/x.nar".to_owned(),
        String::new(),
        "x:AAAA".to_owned(),
        "é".to_owned(),
    ]);
    let sep = prop::sample::select(vec![": ", ":", ":x", ": \n", "\n"]);
    prop::collection::vec((key, sep, value), 0..12).prop_map(|lines| {
        lines
            .into_iter()
            .map(|(k, s, v)| format!("{k}{s}{v}\n"))
            .collect()
    })
}

/// Printing and parsing again is the identity on what parsing gives.
fn check_reparse(input: &str) {
    if let Ok(info) = NarInfo::parse(input) {
        let printed = info.to_string();
        let again = NarInfo::parse(&printed).expect("printed narinfo parses");
        assert_eq!(again, info);
        assert_eq!(again.to_string(), printed);
    }
}

proptest! {
    #[test]
    fn built_narinfo_round_trips(parts in arb_parts()) {
        let info = build(&parts);
        let text = info.to_string();
        let parsed = NarInfo::parse(&text).expect("printed narinfo parses");
        prop_assert_eq!(&parsed, &info);
        prop_assert_eq!(parsed.to_string(), text);
    }

    #[test]
    fn canonical_form_is_stable(parts in arb_parts()) {
        let mut info = build(&parts);
        info.canonicalize();
        let text = info.to_string();
        let mut parsed = NarInfo::parse(&text).expect("printed narinfo parses");
        prop_assert_eq!(&parsed, &info);
        parsed.canonicalize();
        prop_assert_eq!(parsed.to_string(), text);
    }

    #[test]
    fn arbitrary_text_never_panics(input in "\\PC*") {
        check_reparse(&input);
    }

    #[test]
    fn line_soup_never_panics(input in arb_line_soup()) {
        check_reparse(&input);
    }
}
