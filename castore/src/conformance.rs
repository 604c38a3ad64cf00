//! The conformance suite every backend and combinator runs: generic async
//! checks over a [`Store`], instantiated per backend by `conformance!`.

use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::{B3Digest, BlobOptions, Closure, Directory, ErrorKind, Name, Node, Store};

/// Deterministic pseudo-random bytes (xorshift), so chunk boundaries are real.
pub(crate) fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn name(s: &str) -> Name {
    Name::try_from(s).expect("valid name")
}

/// Small chunks, so a test blob of a few hundred KiB has many of them.
fn small_chunks(store: Store) -> Store {
    store.with_options(BlobOptions {
        prefetch: 3,
        avg_chunk_size: 4096,
        upload_concurrency: 2,
    })
}

pub(crate) async fn chunks_round_trip(store: Store) {
    let c = store.chunks();
    let data = bytes::Bytes::from_static(b"some chunk");
    let d = c.put(data.clone()).await.expect("put");
    assert_eq!(d, B3Digest::of(&data));
    assert!(c.has(&d).await.expect("has"));
    assert_eq!(c.get(&d).await.expect("get"), Some(data));
    let absent = B3Digest::of(b"absent");
    assert!(!c.has(&absent).await.expect("has"));
    assert_eq!(c.get(&absent).await.expect("get"), None);
    // Putting again is fine and answers the same digest.
    assert_eq!(
        c.put(bytes::Bytes::from_static(b"some chunk"))
            .await
            .expect("put"),
        d
    );
}

pub(crate) async fn blobs_round_trip(store: Store) {
    let store = small_chunks(store);
    for (len, seed) in [(0usize, 1u64), (1, 2), (4000, 3), (300_000, 4)] {
        let data = noise(len, seed);
        let d = store.put_blob(&data).await.expect("put blob");
        assert_eq!(d, B3Digest::of(&data), "len {len}");
        let meta = store.blobs().stat(&d).await.expect("stat").expect("exists");
        assert_eq!(meta.size(), len as u64);
        if len == 300_000 {
            assert!(meta.chunks.len() > 10, "{} chunks", meta.chunks.len());
        }
        let back = store.read_blob(&d).await.expect("read").expect("exists");
        assert!(back == data, "contents differ for len {len}");
    }
    let absent = B3Digest::of(b"never written");
    assert!(store.open_read(&absent).await.expect("open").is_none());
    assert!(store.blobs().stat(&absent).await.expect("stat").is_none());
}

pub(crate) async fn blobs_seek(store: Store) {
    let store = small_chunks(store);
    let data = noise(100_000, 9);
    let d = store.put_blob(&data).await.expect("put");
    let mut r = store.open_read(&d).await.expect("open").expect("exists");
    assert_eq!(r.len(), 100_000);
    for pos in [50_000u64, 0, 99_999, 4095, 4096, 70_000, 12] {
        assert_eq!(
            r.seek(std::io::SeekFrom::Start(pos)).await.expect("seek"),
            pos
        );
        let mut buf = vec![0u8; 10_000];
        let mut got = 0;
        while got < buf.len() {
            let n = r.read(&mut buf[got..]).await.expect("read");
            if n == 0 {
                break;
            }
            got += n;
        }
        let end = (pos as usize + 10_000).min(data.len());
        assert_eq!(&buf[..got], &data[pos as usize..end], "at {pos}");
    }
    assert_eq!(
        r.seek(std::io::SeekFrom::End(-10)).await.expect("seek"),
        99_990
    );
    let mut rest = Vec::new();
    r.read_to_end(&mut rest).await.expect("read");
    assert_eq!(rest, &data[99_990..]);
    assert!(r.seek(std::io::SeekFrom::Current(-200_000)).await.is_err());
}

pub(crate) async fn unfinished_blob_is_invisible(store: Store) {
    let store = small_chunks(store);
    let data = noise(50_000, 11);
    let mut w = store.open_write();
    w.write(&data).await.expect("write");
    drop(w);
    let d = B3Digest::of(&data);
    assert!(store.blobs().stat(&d).await.expect("stat").is_none());
    assert!(store.open_read(&d).await.expect("open").is_none());
}

/// leaf (file + symlink), mid (leaf), root (mid, leaf again, a file).
pub(crate) fn tree() -> (Directory, Directory, Directory) {
    let mut leaf = Directory::new();
    leaf.add(
        name("f"),
        Node::File {
            digest: B3Digest::of(b"x"),
            size: 1,
            executable: true,
        },
    )
    .expect("add");
    leaf.add(
        name("l"),
        Node::Symlink {
            target: "../x".try_into().expect("target"),
        },
    )
    .expect("add");
    let mut mid = Directory::new();
    mid.add(name("leaf"), leaf.as_node()).expect("add");
    let mut root = Directory::new();
    root.add(name("a-mid"), mid.as_node()).expect("add");
    root.add(name("b-leaf"), leaf.as_node()).expect("add");
    root.add(
        name("c"),
        Node::File {
            digest: B3Digest::of(b""),
            size: 0,
            executable: false,
        },
    )
    .expect("add");
    (leaf, mid, root)
}

pub(crate) async fn directories_round_trip(store: Store) {
    let ds = store.directories();
    let (leaf, _, _) = tree();
    let d = ds.put(leaf.clone()).await.expect("put");
    assert_eq!(d, leaf.digest());
    assert_eq!(ds.get(&d).await.expect("get"), Some(leaf));
    assert_eq!(ds.get(&B3Digest::of(b"nope")).await.expect("get"), None);
    let empty = Directory::new();
    let d = ds.put(empty.clone()).await.expect("put empty");
    assert_eq!(ds.get(&d).await.expect("get"), Some(empty));
}

pub(crate) async fn closures_round_trip(store: Store) {
    let ds = store.directories();
    let (leaf, mid, root) = tree();
    let closure =
        Closure::from_leaves_first([leaf.clone(), mid.clone(), root.clone()]).expect("valid");
    assert_eq!(ds.put_closure(closure).await.expect("put"), root.digest());
    let got = ds.get_closure(&root.digest()).await.expect("get closure");
    // Root first, breadth first, each once: root, then a-mid, then leaf.
    assert_eq!(got, vec![root.clone(), mid.clone(), leaf.clone()]);
    Closure::from_root_first(root.digest(), got).expect("validates root first");
    assert_eq!(
        ds.get_closure(&mid.digest()).await.expect("sub"),
        vec![mid, leaf]
    );

    let unknown = B3Digest::of(b"unknown root");
    let e = ds.get_closure(&unknown).await.expect_err("unknown root");
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.to_string().contains(&unknown.to_string()), "{e}");
}

/// The error and all its sources, joined.
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(x) = src {
        s.push_str(": ");
        s.push_str(&x.to_string());
        src = x.source();
    }
    s
}

pub(crate) async fn incomplete_closure_names_missing_child(store: Store) {
    let ds = store.directories();
    let (leaf, mid, _) = tree();
    // Only the parent is stored; its child is not. Backends that check
    // uploads (gRPC) refuse this; the others must notice it on reading.
    match ds.put(mid.clone()).await {
        Ok(_) => {
            let e = ds.get_closure(&mid.digest()).await.expect_err("incomplete");
            assert_eq!(e.kind(), ErrorKind::NotFound);
            assert_eq!(e.digest(), Some(leaf.digest()), "{e}");
        }
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::InvalidRequest);
            assert!(chain(&e).contains(&leaf.digest().to_string()), "{e}");
        }
    }
}

/// Instantiates the suite for one backend: `$make` is an async expression
/// producing a `(Store, guard)`; the guard (e.g. a tempdir) lives until the test ends.
macro_rules! conformance {
    ($module:ident, $make:expr) => {
        mod $module {
            #[allow(unused_imports)]
            use super::*;
            conformance!(@test $make, chunks_round_trip);
            conformance!(@test $make, blobs_round_trip);
            conformance!(@test $make, blobs_seek);
            conformance!(@test $make, unfinished_blob_is_invisible);
            conformance!(@test $make, directories_round_trip);
            conformance!(@test $make, closures_round_trip);
            conformance!(@test $make, incomplete_closure_names_missing_child);
        }
    };
    (@test $make:expr, $check:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $check() {
            let (store, _guard) = $make;
            crate::conformance::$check(store).await;
        }
    };
}

pub(crate) mod backends {
    use std::sync::Arc;

    use crate::{
        Store,
        backend::{local::LocalBackend, memory::MemoryBackend},
    };

    fn memory() -> (Store, ()) {
        (
            Store::from_backend(Arc::from("mem"), MemoryBackend::new("mem".into())),
            (),
        )
    }

    fn local() -> (Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("tempdir");
        let b = LocalBackend::open("local".into(), dir.path()).expect("open");
        (Store::from_backend("local".into(), b), dir)
    }

    conformance!(memory, memory());
    conformance!(local, local());

    /// A gRPC server over a memory store on a Unix socket in a tempdir, and a
    /// client of it. Dropping the guard shuts the server down.
    #[cfg(feature = "grpc")]
    pub(crate) async fn grpc() -> (Store, (tempfile::TempDir, tokio::sync::oneshot::Sender<()>)) {
        grpc_over(memory().0).await
    }

    /// A gRPC client of a server serving `far` (see [`grpc`]).
    #[cfg(feature = "grpc")]
    pub(crate) async fn grpc_over(
        far: Store,
    ) -> (Store, (tempfile::TempDir, tokio::sync::oneshot::Sender<()>)) {
        use crate::backend::grpc::{GrpcBackend, server};
        let dir = tempfile::tempdir().expect("tempdir");
        let sock = dir.path().join("castore.sock");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let addr = server::ListenAddr::Unix(sock.clone());
        tokio::spawn(async move {
            server::serve(far, &addr, async {
                let _ = rx.await;
            })
            .await
            .expect("serve");
        });
        // Wait until the socket is bound (no time limit: the spawned task binds first thing).
        while !sock.exists() {
            tokio::task::yield_now().await;
        }
        let url = url::Url::parse(&format!("grpc+unix://{}", sock.display())).expect("url");
        let client = GrpcBackend::connect_lazy("grpc".into(), &url).expect("client");
        (Store::from_backend("grpc".into(), client), (dir, tx))
    }

    #[cfg(feature = "grpc")]
    conformance!(grpc, grpc().await);

    /// Builds a store from a URL or a composition TOML (the composition
    /// builds combinators over backends, so they run the suite too).
    pub(crate) fn composed(spec: &str) -> (Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("tempdir");
        let spec = spec.replace("TMP", &dir.path().display().to_string());
        let mut c = if spec.contains("://") && !spec.contains('[') {
            crate::composition::Composition::from_url(&spec)
        } else {
            crate::composition::Composition::from_toml(&spec)
        }
        .expect("parses");
        (c.build_root().expect("builds"), dir)
    }

    #[cfg(feature = "objectstore")]
    conformance!(objectstore_memory, composed("objectstore+memory:///"));
    #[cfg(feature = "objectstore")]
    conformance!(objectstore_file, composed("objectstore+file://TMP/os"));
    conformance!(
        cache_memory_local,
        composed("local://TMP/far?cache=memory://")
    );
    conformance!(
        priority_list,
        composed(
            r#"
            [stores.root]
            type = "list"
            stores = ["a", "b"]
            [stores.a]
            type = "memory"
            [stores.b]
            type = "local"
            path = "TMP/b"
            "#
        )
    );
    conformance!(
        retry_split,
        composed(
            r#"
            [stores.root]
            type = "retry"
            inner = "split"
            attempts = 2
            [stores.split]
            type = "split"
            chunks = "memory://"
            blobs = "local://TMP/meta"
            directories = "local://TMP/meta"
            "#
        )
    );
}
