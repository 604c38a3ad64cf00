//! Tests of the combinators beyond the conformance suite: the cache fills its
//! near store from far, the list falls through, retry retries only transient
//! failures and bounds attempts by its timeout (on tokio's paused clock).

use std::{
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};

use async_trait::async_trait;
use bytes::Bytes;

use super::{
    cache::Cache,
    list::PriorityList,
    retry::{Retry, RetryOptions},
};
use crate::{
    B3Digest, ChunkError, ChunkService, Closure, ErrorKind, Message, Store,
    backend::memory::MemoryBackend, conformance::tree,
};

fn mem(name: &str) -> Store {
    Store::from_backend(name.into(), MemoryBackend::new(name.into()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cache_fills_near_from_far() {
    let (near, far) = (mem("near"), mem("far"));
    let cache = Store::from_backend(
        "c".into(),
        Cache::new("c".into(), near.clone(), far.clone()),
    );
    let d = far.put_blob(b"far away").await.expect("put");
    let (leaf, mid, root) = tree();
    far.directories()
        .put_closure(Closure::from_leaves_first([leaf.clone(), mid, root.clone()]).expect("valid"))
        .await
        .expect("put");

    assert_eq!(
        cache.read_blob(&d).await.expect("read"),
        Some(b"far away".to_vec())
    );
    // The chunk was copied into near; the blob's chunk list was not.
    assert!(near.chunks().has(&d).await.expect("has"));
    assert!(near.blobs().stat(&d).await.expect("stat").is_none());

    // A directory miss pulls its whole closure into near.
    assert_eq!(
        cache.directories().get(&root.digest()).await.expect("get"),
        Some(root.clone())
    );
    let got = near
        .directories()
        .get_closure(&root.digest())
        .await
        .expect("near closure");
    assert_eq!(got.len(), 3);
    assert_eq!(
        near.directories().get(&leaf.digest()).await.expect("get"),
        Some(leaf)
    );

    // Writes reach both.
    let w = cache.put_blob(b"new").await.expect("put");
    assert!(far.blobs().stat(&w).await.expect("stat").is_some());
    assert!(near.blobs().stat(&w).await.expect("stat").is_some());
}

#[tokio::test]
async fn list_reads_from_the_first_that_has_it_and_writes_to_the_first() {
    let (a, b) = (mem("a"), mem("b"));
    let list = Store::from_backend(
        "l".into(),
        PriorityList::new("l".into(), vec![a.clone(), b.clone()]).expect("non-empty"),
    );
    let d = b.put_blob(b"in b").await.expect("put");
    assert_eq!(
        list.read_blob(&d).await.expect("read"),
        Some(b"in b".to_vec())
    );
    let w = list.put_blob(b"via list").await.expect("put");
    assert!(a.blobs().stat(&w).await.expect("stat").is_some());
    assert!(b.blobs().stat(&w).await.expect("stat").is_none());
    assert!(PriorityList::new("e".into(), vec![]).is_err());
}

/// Fails `has` with the given kind `failures` times, then answers; or hangs forever.
struct Flaky {
    calls: AtomicU32,
    failures: u32,
    kind: ErrorKind,
    hang: bool,
}

#[async_trait]
impl ChunkService for Flaky {
    async fn has(&self, _: &B3Digest) -> Result<bool, ChunkError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        if self.hang {
            std::future::pending::<()>().await;
        }
        if n < self.failures {
            return Err(ChunkError::from_kind(
                self.kind,
                &"flaky".into(),
                None,
                Message("boom".into()),
            ));
        }
        Ok(true)
    }
    async fn get(&self, _: &B3Digest) -> Result<Option<Bytes>, ChunkError> {
        Ok(None)
    }
    async fn put(&self, data: Bytes) -> Result<B3Digest, ChunkError> {
        Ok(B3Digest::of(&data))
    }
}

fn retry_over(f: Arc<Flaky>, attempts: u32) -> Retry {
    let m = Arc::new(MemoryBackend::new("m".into()));
    let inner = Store::new("flaky".into(), f, m.clone(), m);
    Retry::new(
        "r".into(),
        inner,
        RetryOptions {
            attempts,
            timeout: Duration::from_secs(5),
            backoff: Duration::from_millis(10),
        },
    )
}

fn flaky(failures: u32, kind: ErrorKind, hang: bool) -> Arc<Flaky> {
    Arc::new(Flaky {
        calls: AtomicU32::new(0),
        failures,
        kind,
        hang,
    })
}

#[tokio::test(start_paused = true)]
async fn retry_retries_transient_errors() {
    let f = flaky(2, ErrorKind::Unavailable, false);
    let r = retry_over(f.clone(), 3);
    assert!(
        r.has(&B3Digest::of(b"x"))
            .await
            .expect("third attempt succeeds")
    );
    assert_eq!(f.calls.load(Ordering::SeqCst), 3);

    let f = flaky(5, ErrorKind::Unavailable, false);
    let e = retry_over(f.clone(), 3)
        .has(&B3Digest::of(b"x"))
        .await
        .expect_err("gives up");
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert_eq!(f.calls.load(Ordering::SeqCst), 3);
}

#[tokio::test(start_paused = true)]
async fn retry_returns_other_errors_at_once() {
    let f = flaky(1, ErrorKind::Storage, false);
    let e = retry_over(f.clone(), 3)
        .has(&B3Digest::of(b"x"))
        .await
        .expect_err("no retry");
    assert_eq!(e.kind(), ErrorKind::Storage);
    assert_eq!(f.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn retry_times_out_each_attempt() {
    let f = flaky(0, ErrorKind::Storage, true);
    let e = retry_over(f.clone(), 2)
        .has(&B3Digest::of(b"x"))
        .await
        .expect_err("times out");
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert_eq!(e.to_string(), "r: timed out after 5s");
    assert_eq!(f.calls.load(Ordering::SeqCst), 2);
}
