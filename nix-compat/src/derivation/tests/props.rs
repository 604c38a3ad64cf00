//! Properties: every valid derivation renders to ATerm that parses back to
//! itself, and no input makes the parser panic.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use crate::{
    derivation::{BString, Derivation, Output},
    nixhash::{CAHash, HashAlgo, NixHash},
    store_path::StorePath,
};

fn store_path(suffix: &'static str) -> impl Strategy<Value = StorePath<String>> {
    (any::<[u8; 20]>(), "[a-zA-Z0-9][a-zA-Z0-9+._?=-]{0,30}").prop_map(move |(digest, name)| {
        StorePath::from_name_and_digest(&format!("{name}{suffix}"), digest).expect("valid name")
    })
}

fn bytes() -> impl Strategy<Value = BString> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..20),
        "[ -~\n\r\t\"\\\\]{0,20}".prop_map(String::into_bytes),
        any::<String>().prop_map(String::into_bytes),
    ]
    .prop_map(BString::from)
}

fn output_name() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9+._?=-]{0,10}"
}

fn ca_hash() -> impl Strategy<Value = CAHash> {
    (
        any::<bool>(),
        prop::sample::select(HashAlgo::ALL.to_vec()),
        any::<[u8; 64]>(),
    )
        .prop_map(|(nar, algo, digest)| {
            let hash = NixHash::from_algo_and_digest(algo, &digest[..algo.digest_len()])
                .expect("right length");
            if nar {
                CAHash::Nar(hash)
            } else {
                CAHash::Flat(hash)
            }
        })
}

fn outputs() -> impl Strategy<Value = BTreeMap<String, Output>> {
    prop_oneof![
        proptest::collection::btree_map(output_name(), store_path(""), 1..4).prop_map(|m| {
            m.into_iter()
                .map(|(k, p)| {
                    (
                        k,
                        Output {
                            path: Some(p),
                            ca: None,
                        },
                    )
                })
                .collect()
        }),
        (store_path(""), ca_hash()).prop_map(|(p, ca)| {
            BTreeMap::from([(
                "out".to_owned(),
                Output {
                    path: Some(p),
                    ca: Some(ca),
                },
            )])
        }),
    ]
}

pub(super) fn derivation() -> impl Strategy<Value = Derivation> {
    (
        outputs(),
        proptest::collection::btree_map(
            store_path(".drv"),
            proptest::collection::btree_set(output_name(), 1..3),
            0..3,
        ),
        proptest::collection::btree_set(store_path(""), 0..3),
        "[^\"\\\\]{1,10}",
        bytes().prop_filter("builder is non-empty", |b| !b.is_empty()),
        proptest::collection::vec(bytes(), 0..4),
        proptest::collection::btree_map(bytes(), bytes(), 0..6),
    )
        .prop_map(
            |(
                outputs,
                input_derivations,
                input_sources,
                system,
                builder,
                arguments,
                environment,
            )| {
                Derivation {
                    outputs,
                    input_derivations,
                    input_sources,
                    system: system.into(),
                    builder,
                    arguments,
                    environment,
                }
            },
        )
}

proptest! {
    #[test]
    fn render_then_parse_is_identity(drv in derivation()) {
        drv.validate().expect("the strategy makes valid derivations");
        let text = drv.to_aterm_bytes();
        let parsed = Derivation::from_aterm_bytes(&text).expect("own output parses");
        prop_assert_eq!(&parsed, &drv);
        prop_assert_eq!(parsed.to_aterm_bytes(), text);
    }

    /// Paths and hashes never fail on valid derivations with short names.
    #[test]
    fn hashes_and_paths(drv in derivation()) {
        let h = drv.hash_derivation_modulo(|_| Some([7; 32])).expect("hash");
        prop_assert_eq!(h, drv.hash_derivation_modulo(|_| Some([7; 32])).expect("hash"));
        let (path, aterm) = drv.drv_path_and_aterm("name").expect("path");
        prop_assert_eq!(drv.drv_path("name").expect("path"), path);
        prop_assert_eq!(aterm, drv.to_aterm_bytes());
        let mut filled = drv.clone();
        filled.fill_output_paths("name", |_| Some([7; 32])).expect("fill");
        filled.check_output_paths("name", |_| Some([7; 32])).expect("consistent");
    }

    #[test]
    fn parser_never_panics(input in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = Derivation::from_aterm_bytes(&input);
    }

    /// Corrupting valid ATerm gives an error or a derivation that round-trips.
    #[test]
    fn corrupted_aterm(drv in derivation(), pos in any::<prop::sample::Index>(), byte in any::<u8>(), cut in any::<bool>()) {
        let mut text = drv.to_aterm_bytes();
        let i = pos.index(text.len());
        if cut { text.truncate(i) } else { text[i] = byte }
        if let Ok(parsed) = Derivation::from_aterm_bytes(&text) {
            let again = Derivation::from_aterm_bytes(&parsed.to_aterm_bytes()).expect("re-parses");
            prop_assert_eq!(again, parsed);
        }
    }
}

/// `BTreeSet` import is used by the strategies through `btree_set`.
#[test]
fn strategy_output_sets_are_sorted() {
    let set: BTreeSet<&str> = ["b", "a"].into_iter().collect();
    assert_eq!(set.into_iter().collect::<Vec<_>>(), ["a", "b"]);
}
