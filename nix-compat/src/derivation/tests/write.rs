//! Rendering: C++ Nix's escaping quirk (only builder, arguments, environment
//! keys and values are escaped; the system is written raw).

use std::collections::{BTreeMap, BTreeSet};

use crate::{
    derivation::{Derivation, Output},
    nixhash::{CAHash, NixHash},
    store_path::StorePath,
};

fn path(s: &str) -> StorePath<String> {
    s.parse().expect("store path")
}

#[test]
fn escapes_only_builder_args_and_env() {
    let drv = Derivation {
        outputs: BTreeMap::from([(
            "out".to_owned(),
            Output {
                path: Some(path("00000000000000000000000000000000-a")),
                ca: None,
            },
        )]),
        input_derivations: BTreeMap::from([(
            path("11111111111111111111111111111111-b.drv"),
            BTreeSet::from(["lib".to_owned(), "out".to_owned()]),
        )]),
        input_sources: BTreeSet::from([path("22222222222222222222222222222222-c")]),
        system: "sys\ttem\n".into(),
        builder: "b\"\\\n\r\t".into(),
        arguments: vec!["".into(), "a\"b".into(), "\u{1f32e}".into()],
        environment: BTreeMap::from([
            ("k\"\\".into(), "v\n\r\t\u{7}".into()),
            ("plain".into(), "".into()),
        ]),
    };
    let expected = concat!(
        r#"Derive([("out","/nix/store/00000000000000000000000000000000-a","","")],"#,
        r#"[("/nix/store/11111111111111111111111111111111-b.drv",["lib","out"])],"#,
        r#"["/nix/store/22222222222222222222222222222222-c"],"#,
        "\"sys\ttem\n\",",
        r#""b\"\\\n\r\t",["","a\"b","🌮"],"#,
        "[(\"k\\\"\\\\\",\"v\\n\\r\\t\u{7}\"),(\"plain\",\"\")])"
    );
    assert_eq!(
        String::from_utf8(drv.to_aterm_bytes()).expect("utf8"),
        expected
    );
    let mut appended = b"prefix".to_vec();
    drv.write_aterm(&mut appended);
    assert_eq!(&appended[6..], expected.as_bytes());
}

#[test]
fn fixed_outputs_render_method_algo_and_hex() {
    let mk = |ca: CAHash| Derivation {
        outputs: BTreeMap::from([(
            "out".to_owned(),
            Output {
                path: Some(path("00000000000000000000000000000000-a")),
                ca: Some(ca),
            },
        )]),
        system: "s".into(),
        builder: "b".into(),
        ..Default::default()
    };
    let hash = NixHash::Sha1([0xab; 20]);
    let flat = mk(CAHash::Flat(hash.clone())).to_aterm_bytes();
    let nar = mk(CAHash::Nar(hash)).to_aterm_bytes();
    let hex = "ab".repeat(20);
    assert!(
        String::from_utf8_lossy(&flat).contains(&format!(r#"-a","sha1","{hex}")"#)),
        "{}",
        String::from_utf8_lossy(&flat)
    );
    assert!(String::from_utf8_lossy(&nar).contains(&format!(r#"-a","r:sha1","{hex}")"#)));
}

#[test]
fn unset_output_paths_render_empty() {
    let drv = Derivation {
        outputs: BTreeMap::from([("out".to_owned(), Output::input_addressed())]),
        system: "s".into(),
        builder: "b".into(),
        ..Default::default()
    };
    assert_eq!(
        drv.to_aterm_bytes(),
        br#"Derive([("out","","","")],[],[],"s","b",[],[])"#
    );
}
