//! Tests of [`copy_tree`]: a tree with a nested directory and a shared blob
//! arrives whole, a second copy writes nothing, and a blob missing in the
//! source is an error naming it that leaves no directory behind.

use super::*;
use crate::{Directory, Name, backend::memory::MemoryBackend};

fn store(name: &str) -> Store {
    Store::from_backend(name.into(), MemoryBackend::new(name.into()))
}

fn file(data: &[u8]) -> Node {
    Node::File {
        digest: B3Digest::of(data),
        size: data.len() as u64,
        executable: false,
    }
}

fn name(s: &str) -> Name {
    Name::try_from(s).expect("name")
}

/// A tree `{a, sub/{b, again = a}}` whose directories are stored in `s`;
/// returns its root node.
async fn tree(s: &Store, a: &[u8], b: &[u8]) -> Node {
    let mut sub = Directory::new();
    sub.add(name("b"), file(b)).expect("add");
    sub.add(name("again"), file(a)).expect("add");
    let mut root = Directory::new();
    root.add(name("a"), file(a)).expect("add");
    root.add(name("sub"), sub.as_node()).expect("add");
    let node = root.as_node();
    let closure = Closure::from_leaves_first([sub, root]).expect("closure");
    s.directories().put_closure(closure).await.expect("put");
    node
}

#[tokio::test]
async fn copies_blobs_and_directories_once() {
    let (src, dst) = (store("src"), store("dst"));
    let (a, b) = (b"contents of a".to_vec(), vec![7u8; 300_000]);
    src.put_blob(&a).await.expect("blob");
    src.put_blob(&b).await.expect("blob");
    let root = tree(&src, &a, &b).await;
    let stats = copy_tree(&src, &dst, &root).await.expect("copy");
    assert_eq!(
        stats,
        CopyStats {
            blobs: 2,
            blob_bytes: (a.len() + b.len()) as u64,
            directories: 2,
        }
    );
    let Node::Directory { digest, .. } = root else {
        unreachable!()
    };
    assert_eq!(
        dst.directories()
            .get_closure(&digest)
            .await
            .expect("closure"),
        src.directories()
            .get_closure(&digest)
            .await
            .expect("closure")
    );
    assert_eq!(
        dst.read_blob(&B3Digest::of(&b)).await.expect("read"),
        Some(b)
    );
    let again = copy_tree(&src, &dst, &root).await.expect("copy");
    assert_eq!(again, CopyStats::default());
}

#[tokio::test]
async fn a_single_file_and_a_symlink() {
    let (src, dst) = (store("src"), store("dst"));
    src.put_blob(b"x").await.expect("blob");
    let stats = copy_tree(&src, &dst, &file(b"x")).await.expect("copy");
    assert_eq!(stats.blobs, 1);
    assert_eq!(
        dst.read_blob(&B3Digest::of(b"x")).await.expect("read"),
        Some(b"x".to_vec())
    );
    let link = Node::Symlink {
        target: crate::SymlinkTarget::new("x").expect("target"),
    };
    assert_eq!(
        copy_tree(&src, &dst, &link).await.expect("copy"),
        CopyStats::default()
    );
}

#[tokio::test]
async fn a_missing_blob_names_it_and_writes_no_directory() {
    let (src, dst) = (store("src"), store("dst"));
    let a = b"present".to_vec();
    src.put_blob(&a).await.expect("blob");
    let root = tree(&src, &a, b"absent").await;
    let err = copy_tree(&src, &dst, &root).await.expect_err("must fail");
    let missing = B3Digest::of(b"absent");
    assert!(
        matches!(err, CopyError::MissingBlob { digest, .. } if digest == missing),
        "{err:?}"
    );
    assert!(err.to_string().contains(&missing.to_string()), "{err}");
    let Node::Directory { digest, .. } = root else {
        unreachable!()
    };
    assert_eq!(dst.directories().get(&digest).await.expect("get"), None);
}
