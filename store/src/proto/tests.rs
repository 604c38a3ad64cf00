//! Proto ↔ domain conversions: round trips and validation failures.

use bytes::Bytes;
use proptest::prelude::*;

use super::{PathInfo as P, ValidatePathInfoError as E, decode, encode};
use crate::{PathInfo, pathinfoservice::tests::fixture_info};

#[test]
fn round_trip_keeps_everything() {
    let info = fixture_info("hello", 5);
    assert_eq!(decode(&encode(&info)).expect("decodes"), info);
}

#[test]
fn deriver_is_stored_without_drv_suffix() {
    let info = fixture_info("hello", 5);
    let p = P::from(&info);
    let d = p
        .narinfo
        .as_ref()
        .and_then(|n| n.deriver.as_ref())
        .expect("deriver");
    assert_eq!(d.name, "hello");
}

fn invalid(f: impl FnOnce(&mut P)) -> E {
    let mut p = P::from(&fixture_info("hello", 5));
    f(&mut p);
    PathInfo::try_from(p).expect_err("invalid")
}

#[test]
fn validation_errors() {
    assert_eq!(invalid(|p| p.narinfo = None), E::NoNarInfo);
    assert_eq!(invalid(|p| p.node = None), E::NoNode);
    assert!(matches!(
        invalid(|p| p.references[0] = Bytes::from_static(b"short")),
        E::InvalidReferenceDigestLen { index: 0, len: 5 }
    ));
    assert!(matches!(
        invalid(|p| p.references.push(Bytes::from_static(&[0; 20]))),
        E::InconsistentReferenceCount {
            digests: 2,
            names: 1
        }
    ));
    assert!(matches!(
        invalid(|p| p.references[0] = Bytes::from_static(&[9; 20])),
        E::InvalidReferenceName(_)
    ));
    assert_eq!(
        invalid(|p| p.narinfo.as_mut().expect("set").nar_sha256 = Bytes::from_static(b"x")),
        E::InvalidNarSha256Len(1)
    );
    assert!(matches!(
        invalid(|p| p
            .narinfo
            .as_mut()
            .expect("set")
            .ca
            .as_mut()
            .expect("set")
            .digest = Bytes::from_static(b"x")),
        E::InvalidCa { len: 1, .. }
    ));
    assert!(matches!(
        invalid(|p| p.node = Some(tvix_castore::proto::Node::from(&fixture_info("x", 1).node))),
        E::InvalidNodeName(_)
    ));
}

proptest! {
    #[test]
    fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode(&bytes);
    }

    #[test]
    fn round_trip_any_seed_and_size(seed in any::<u8>(), size in 1u64..u64::MAX) {
        let mut info = fixture_info("p", seed);
        info.nar_size = size;
        prop_assert_eq!(decode(&encode(&info)).expect("decodes"), info);
    }
}
