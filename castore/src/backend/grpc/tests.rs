//! gRPC-specific checks beyond the conformance suite: the server validates
//! `PutChunked` and directory uploads, and errors keep their kind and digest
//! across the wire.

use bytes::Bytes;

use crate::{
    B3Digest, BlobMeta, ChunkMeta, Closure, ErrorKind, Store,
    backend::memory::MemoryBackend,
    conformance::{backends::grpc_over, tree},
};

fn mem() -> Store {
    Store::from_backend("far".into(), MemoryBackend::new("far".into()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_side_inconsistency_names_the_missing_directory() {
    let far = mem();
    let (leaf, mid, _) = tree();
    // Only the parent, stored behind the server's back.
    far.directories().put(mid.clone()).await.expect("put");
    let (client, _guard) = grpc_over(far).await;
    let e = client
        .directories()
        .get_closure(&mid.digest())
        .await
        .expect_err("incomplete");
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(e.digest(), Some(leaf.digest()));
    assert_eq!(e.instance(), "grpc");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_chunked_is_checked() {
    let (client, _guard) = grpc_over(mem()).await;
    let data = Bytes::from_static(b"chunk one");
    let c = client.chunks().put(data.clone()).await.expect("put chunk");
    let meta = BlobMeta {
        chunks: vec![ChunkMeta { digest: c, size: 9 }],
    };
    // Claiming another blob digest for the chunk is refused.
    let e = client
        .blobs()
        .put_meta(&B3Digest::of(b"other"), meta.clone())
        .await
        .expect_err("wrong digest");
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    // A chunk that was never uploaded is refused.
    let missing = BlobMeta {
        chunks: vec![ChunkMeta {
            digest: B3Digest::of(b"nope"),
            size: 4,
        }],
    };
    let e = client
        .blobs()
        .put_meta(&B3Digest::of(b"nope"), missing)
        .await
        .expect_err("missing");
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    // The honest claim is accepted.
    client.blobs().put_meta(&c, meta).await.expect("accepted");
    assert_eq!(
        client.read_blob(&c).await.expect("read"),
        Some(data.to_vec())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn directory_upload_may_refer_to_stored_children() {
    let (client, _guard) = grpc_over(mem()).await;
    let (leaf, mid, root) = tree();
    client
        .directories()
        .put_closure(Closure::from_leaves_first([leaf.clone(), mid.clone()]).expect("valid"))
        .await
        .expect("put");
    // root refers to mid and leaf, both already stored: a single put works.
    assert_eq!(
        client.directories().put(root.clone()).await.expect("put"),
        root.digest()
    );
    let all = client
        .directories()
        .get_closure(&root.digest())
        .await
        .expect("closure");
    assert_eq!(all.len(), 3);
}

#[tokio::test]
async fn unreachable_server_is_unavailable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url =
        url::Url::parse(&format!("grpc+unix://{}/nobody.sock", dir.path().display())).expect("url");
    let b = super::GrpcBackend::connect_lazy("gone".into(), &url).expect("lazy");
    let s = Store::from_backend("gone".into(), b);
    let e = s
        .chunks()
        .has(&B3Digest::of(b"x"))
        .await
        .expect_err("no server");
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert_eq!(e.instance(), "gone");
}

#[rstest::rstest]
#[case("grpc+unix://host/sock", "must be grpc+unix:///ABSOLUTE/PATH")]
#[case("grpc+http://h:1/path", "must have no path")]
#[case("grpc+https://h:1", "unsupported gRPC URL")]
fn bad_urls(#[case] url: &str, #[case] msg: &str) {
    let u = url::Url::parse(url).expect("url");
    let e = super::GrpcBackend::connect_lazy("x".into(), &u).expect_err("rejected");
    assert!(e.to_string().contains(msg), "{e}");
}
