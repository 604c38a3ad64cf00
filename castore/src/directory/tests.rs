//! Tests of [`Directory`]: validation, the size convention, encoding and digests.

use super::*;
use crate::SymlinkTarget;

fn name(s: &str) -> Name {
    Name::try_from(s).expect("valid name")
}

fn file(b: &[u8], executable: bool) -> Node {
    Node::File {
        digest: B3Digest::of(b),
        size: b.len() as u64,
        executable,
    }
}

#[test]
fn empty_directory_digest_is_empty_blob_digest() {
    let d = Directory::new();
    assert!(d.encode().is_empty());
    assert_eq!(d.digest(), B3Digest::of(b""));
    assert_eq!(d.size(), 0);
}

#[test]
fn size_convention_counts_entries_twice_plus_children() {
    let mut child = Directory::new();
    child.add(name("a"), file(b"a", false)).expect("add");
    child
        .add(
            name("l"),
            Node::Symlink {
                target: SymlinkTarget::try_from("a").expect("target"),
            },
        )
        .expect("add");
    assert_eq!(child.size(), 4);
    let mut parent = Directory::new();
    parent.add(name("c"), child.as_node()).expect("add");
    parent.add(name("f"), file(b"", true)).expect("add");
    // 2 entries, counted twice, plus the child's 4.
    assert_eq!(parent.size(), 8);
}

#[test]
fn duplicate_names_across_kinds_are_rejected() {
    let mut d = Directory::new();
    d.add(name("x"), file(b"1", false)).expect("add");
    let e = d
        .add(
            name("x"),
            Node::Directory {
                digest: B3Digest::of(b""),
                size: 0,
            },
        )
        .expect_err("duplicate");
    assert_eq!(e, DirectoryValidationError::DuplicateName(name("x")));
}

#[test]
fn size_overflow_is_an_error() {
    let mut d = Directory::new();
    let e = d
        .add(
            name("big"),
            Node::Directory {
                digest: B3Digest::of(b""),
                size: u64::MAX - 1,
            },
        )
        .expect_err("overflow");
    assert_eq!(e, DirectoryValidationError::SizeOverflow);
}

/// Known encoding: one file entry `a` with contents `a`, not executable.
#[test]
fn encoding_of_one_file() {
    let mut d = Directory::new();
    d.add(name("a"), file(b"a", false)).expect("add");
    let enc = d.encode();
    let mut expected = vec![0x12, 0x27, 0x0a, 0x01, b'a', 0x12, 0x20];
    expected.extend_from_slice(B3Digest::of(b"a").as_bytes());
    expected.extend_from_slice(&[0x18, 0x01]);
    assert_eq!(enc.as_ref(), expected.as_slice());
    assert_eq!(Directory::decode(&enc).expect("decodes"), d);
}

#[test]
fn decode_rejects_unsorted_and_duplicates() {
    use crate::proto;
    let f = |n: &str| proto::FileNode {
        name: Bytes::copy_from_slice(n.as_bytes()),
        digest: Bytes::copy_from_slice(B3Digest::of(b"").as_bytes()),
        size: 0,
        executable: false,
    };
    let unsorted = proto::Directory {
        files: vec![f("b"), f("a")],
        ..Default::default()
    };
    let e = Directory::decode(&unsorted.encode_to_vec()).expect_err("unsorted");
    assert!(matches!(
        e,
        DecodeError::Invalid(DirectoryValidationError::WrongSorting(_))
    ));
    let dup = proto::Directory {
        files: vec![f("a")],
        symlinks: vec![proto::SymlinkNode {
            name: "a".into(),
            target: "x".into(),
        }],
        ..Default::default()
    };
    let e = Directory::decode(&dup.encode_to_vec()).expect_err("duplicate");
    assert!(matches!(
        e,
        DecodeError::Invalid(DirectoryValidationError::DuplicateName(_))
    ));
    let short = proto::Directory {
        files: vec![proto::FileNode {
            digest: Bytes::from_static(b"short"),
            ..f("a")
        }],
        ..Default::default()
    };
    let e = Directory::decode(&short.encode_to_vec()).expect_err("short digest");
    assert!(matches!(
        e,
        DecodeError::Invalid(DirectoryValidationError::InvalidDigestLength { len: 5, .. })
    ));
    let bad_name = proto::Directory {
        files: vec![f("..")],
        ..Default::default()
    };
    assert!(Directory::decode(&bad_name.encode_to_vec()).is_err());
    assert!(Directory::decode(b"\xff\xff").is_err());
}

mod prop {
    use super::*;
    use proptest::prelude::*;

    fn arb_node() -> impl Strategy<Value = Node> {
        prop_oneof![
            (any::<[u8; 32]>(), 0u64..1 << 40).prop_map(|(d, size)| Node::Directory {
                digest: B3Digest::new(d),
                size
            }),
            (any::<[u8; 32]>(), any::<u64>(), any::<bool>()).prop_map(|(d, size, executable)| {
                Node::File {
                    digest: B3Digest::new(d),
                    size,
                    executable,
                }
            }),
            "[a-z/.]{1,20}".prop_map(|t| Node::Symlink {
                target: SymlinkTarget::try_from(t.as_str()).expect("valid")
            }),
        ]
    }

    proptest! {
        #[test]
        fn encode_decode_round_trip(
            entries in proptest::collection::btree_map("[a-zA-Z0-9._-]{1,12}", arb_node(), 0..12)
        ) {
            let entries = entries.into_iter().filter(|(n, _)| n != "." && n != "..");
            let d = Directory::try_from_entries(entries.map(|(n, node)| (name(&n), node)))
                .expect("valid");
            let back = Directory::decode(&d.encode()).expect("decodes");
            prop_assert_eq!(back.digest(), d.digest());
            prop_assert_eq!(back, d);
        }

        #[test]
        fn decode_never_panics(b in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = Directory::decode(&b);
        }
    }
}
