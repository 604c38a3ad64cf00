//! Tests of closure validation in both directions.

use super::*;
use crate::{Name, Node};

fn name(s: &str) -> Name {
    Name::try_from(s).expect("valid name")
}

/// leaf (one file), mid (contains leaf), root (contains mid and leaf).
fn tree() -> (Directory, Directory, Directory) {
    let mut leaf = Directory::new();
    leaf.add(
        name("f"),
        Node::File {
            digest: B3Digest::of(b"x"),
            size: 1,
            executable: false,
        },
    )
    .expect("add");
    let mut mid = Directory::new();
    mid.add(name("leaf"), leaf.as_node()).expect("add");
    let mut root = Directory::new();
    root.add(name("mid"), mid.as_node()).expect("add");
    root.add(name("leaf2"), leaf.as_node()).expect("add");
    (leaf, mid, root)
}

#[test]
fn leaves_first_accepts_and_dedups() {
    let (leaf, mid, root) = tree();
    let c = Closure::from_leaves_first([leaf.clone(), leaf.clone(), mid.clone(), root.clone()])
        .expect("valid");
    assert_eq!(c.len(), 3);
    assert_eq!(c.root(), root.digest());
    assert_eq!(c.into_root_first(), vec![root, mid, leaf]);
}

#[test]
fn leaves_first_rejects_missing_child_naming_it() {
    let (leaf, mid, root) = tree();
    let e = Closure::from_leaves_first([mid.clone(), root]).expect_err("missing leaf");
    assert_eq!(
        e,
        ClosureError::MissingChild {
            parent: mid.digest(),
            child: leaf.digest()
        }
    );
}

#[test]
fn leaves_first_rejects_two_roots() {
    let (leaf, mid, _) = tree();
    let mut other = Directory::new();
    other
        .add(
            name("o"),
            Node::Symlink {
                target: "t".try_into().expect("t"),
            },
        )
        .expect("add");
    let e = Closure::from_leaves_first([leaf, other.clone(), mid.clone()]).expect_err("two roots");
    assert_eq!(e, ClosureError::MultipleRoots(mid.digest(), other.digest()));
    assert_eq!(
        Closure::from_leaves_first([]).expect_err("empty"),
        ClosureError::Empty
    );
}

#[test]
fn leaves_first_rejects_wrong_size() {
    let (leaf, _, _) = tree();
    let mut liar = Directory::new();
    liar.add(
        name("leaf"),
        Node::Directory {
            digest: leaf.digest(),
            size: 99,
        },
    )
    .expect("add");
    let e = Closure::from_leaves_first([leaf.clone(), liar.clone()]).expect_err("size");
    assert_eq!(
        e,
        ClosureError::SizeMismatch {
            parent: liar.digest(),
            child: leaf.digest(),
            recorded: 99,
            actual: 2
        }
    );
}

#[test]
fn root_first_checks() {
    let (leaf, mid, root) = tree();
    let c = Closure::from_root_first(root.digest(), vec![root.clone(), mid.clone(), leaf.clone()])
        .expect("valid");
    assert_eq!(c.root(), root.digest());
    assert_eq!(
        Closure::from_root_first(root.digest(), vec![mid.clone()]).expect_err("wrong first"),
        ClosureError::Unexpected(mid.digest())
    );
    assert_eq!(
        Closure::from_root_first(root.digest(), vec![root.clone(), mid.clone()])
            .expect_err("incomplete"),
        ClosureError::Incomplete(leaf.digest())
    );
    assert_eq!(
        Closure::from_root_first(
            root.digest(),
            vec![root.clone(), mid, leaf.clone(), leaf.clone()]
        )
        .expect_err("duplicate"),
        ClosureError::Unexpected(leaf.digest())
    );
}
