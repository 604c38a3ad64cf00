//! Tests of [`copy_closure_between`]: a closure of three paths moves between
//! two memory stores references first with its contents, a path the
//! destination has is skipped, and a blob missing in the source is an error
//! naming it that leaves no PathInfo behind.

use std::sync::Arc;

use nix_compat::store_path::StorePath;
use tvix_castore::{B3Digest, Closure, Directory, Node, Store, backend::memory::MemoryBackend};

use super::*;
use crate::pathinfoservice::memory::MemoryPathInfoService;

fn services(name: &str) -> Services {
    Services {
        store: Store::from_backend(name.into(), MemoryBackend::new(name.into())),
        pathinfo: Arc::new(MemoryPathInfoService::new(name.into())),
    }
}

/// A PathInfo for a directory `{f}` holding `data`, its directory stored in
/// `s` (the blob only if `with_blob`).
async fn path(
    s: &Services,
    name: &str,
    data: &[u8],
    refs: &[&PathInfo],
    with_blob: bool,
) -> PathInfo {
    if with_blob {
        s.store.put_blob(data).await.expect("blob");
    }
    let mut dir = Directory::new();
    dir.add(
        "f".try_into().expect("name"),
        Node::File {
            digest: B3Digest::of(data),
            size: data.len() as u64,
            executable: false,
        },
    )
    .expect("add");
    let node = dir.as_node();
    let closure = Closure::from_leaves_first([dir]).expect("closure");
    s.store
        .directories()
        .put_closure(closure)
        .await
        .expect("put");
    let mut digest = [0u8; 20];
    digest[..name.len()].copy_from_slice(name.as_bytes());
    PathInfo {
        store_path: StorePath::from_name_and_digest(name, digest).expect("valid"),
        node,
        references: refs.iter().map(|r| r.store_path.clone()).collect(),
        nar_size: 100 + data.len() as u64,
        nar_sha256: [1; 32],
        deriver: None,
        signatures: vec![],
        ca: None,
    }
}

#[tokio::test]
async fn copies_a_closure_of_three_with_contents_skipping_present_paths() {
    let (src, dst) = (services("src"), services("dst"));
    let a = path(&src, "a", b"aaa", &[], true).await;
    let b = path(&src, "b", b"bbb", &[&a], true).await;
    let c = path(&src, "c", &[9u8; 200_000], &[&b, &a], true).await;
    for i in [&a, &b, &c] {
        src.pathinfo.put(i.clone()).await.expect("put");
    }
    // The destination already has `a` (contents included).
    copy_closure_between(&src, &dst, std::slice::from_ref(&a.store_path))
        .await
        .expect("copies a");
    let copied = copy_closure_between(&src, &dst, std::slice::from_ref(&c.store_path))
        .await
        .expect("copies");
    assert_eq!(copied, vec![b.store_path.clone(), c.store_path.clone()]);
    for (i, data) in [
        (&a, b"aaa".to_vec()),
        (&b, b"bbb".to_vec()),
        (&c, vec![9u8; 200_000]),
    ] {
        assert_eq!(
            dst.pathinfo.get(&i.hash()).await.expect("get").as_ref(),
            Some(i)
        );
        let Node::Directory { digest, .. } = i.node else {
            unreachable!()
        };
        assert!(
            dst.store
                .directories()
                .get(&digest)
                .await
                .expect("get")
                .is_some()
        );
        assert_eq!(
            dst.store
                .read_blob(&B3Digest::of(&data))
                .await
                .expect("read"),
            Some(data)
        );
    }
    let again = copy_closure_between(&src, &dst, std::slice::from_ref(&c.store_path))
        .await
        .expect("copies");
    assert!(again.is_empty());
}

#[tokio::test]
async fn a_missing_blob_is_named_and_leaves_no_pathinfo() {
    let (src, dst) = (services("src"), services("dst"));
    let a = path(&src, "a", b"aaa", &[], true).await;
    let b = path(&src, "b", b"lost", &[&a], false).await;
    for i in [&a, &b] {
        src.pathinfo.put(i.clone()).await.expect("put");
    }
    let err = copy_closure_between(&src, &dst, std::slice::from_ref(&b.store_path))
        .await
        .expect_err("must fail");
    let chain = anyhow_like(&err);
    assert!(chain.contains(&b.store_path.to_absolute_path()), "{chain}");
    assert!(
        chain.contains(&B3Digest::of(b"lost").to_string()),
        "{chain}"
    );
    // `a` was copied before; `b` has no PathInfo.
    assert!(dst.pathinfo.get(&a.hash()).await.expect("get").is_some());
    assert_eq!(dst.pathinfo.get(&b.hash()).await.expect("get"), None);
}

/// The error with its source chain, `: `-separated.
fn anyhow_like(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut cur = err.source();
    while let Some(e) = cur {
        out.push_str(": ");
        out.push_str(&e.to_string());
        cur = e.source();
    }
    out
}
