//! [`Retry`]: retries transient failures (unavailable, timed out) of an inner
//! store, with exponential backoff, and bounds each attempt by a timeout.
//! Other errors (not found, corrupt, invalid request) are returned at once.

use std::{future::Future, time::Duration};

use async_trait::async_trait;
use bytes::Bytes;

use crate::{
    B3Digest, BlobError, BlobMeta, BlobService, ChunkError, ChunkService, Closure, Directory,
    DirectoryError, DirectoryService, InstanceName, Store, error::ServiceError,
};

/// Retry settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryOptions {
    /// Attempts in total (at least 1).
    pub attempts: u32,
    /// Time limit of one attempt.
    pub timeout: Duration,
    /// Wait before the second attempt; doubled after each further failure.
    pub backoff: Duration,
}

impl Default for RetryOptions {
    fn default() -> Self {
        Self {
            attempts: 3,
            timeout: Duration::from_secs(30),
            backoff: Duration::from_millis(100),
        }
    }
}

/// A retrying store (see the module docs).
#[derive(Debug, Clone)]
pub struct Retry {
    name: InstanceName,
    inner: Store,
    opts: RetryOptions,
}

impl Retry {
    /// Wraps `inner`.
    #[must_use]
    pub fn new(name: InstanceName, inner: Store, opts: RetryOptions) -> Self {
        Self { name, inner, opts }
    }

    async fn run<T, E, F, Fut>(&self, op: &'static str, mut f: F) -> Result<T, E>
    where
        E: ServiceError,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let mut wait = self.opts.backoff;
        let attempts = self.opts.attempts.max(1);
        let mut attempt = 1;
        loop {
            let res = match tokio::time::timeout(self.opts.timeout, f()).await {
                Ok(r) => r,
                Err(_) => Err(E::timeout(&self.name, self.opts.timeout)),
            };
            match res {
                Err(e) if e.kind().is_transient() && attempt < attempts => {
                    tracing::warn!(instance = %self.name, op, attempt, error = %e, "retrying");
                    tokio::time::sleep(wait).await;
                    wait = wait.saturating_mul(2);
                    attempt += 1;
                }
                other => return other,
            }
        }
    }
}

#[async_trait]
impl ChunkService for Retry {
    async fn has(&self, digest: &B3Digest) -> Result<bool, ChunkError> {
        self.run("chunk has", || self.inner.chunks().has(digest))
            .await
    }

    async fn get(&self, digest: &B3Digest) -> Result<Option<Bytes>, ChunkError> {
        self.run("chunk get", || self.inner.chunks().get(digest))
            .await
    }

    async fn put(&self, data: Bytes) -> Result<B3Digest, ChunkError> {
        self.run("chunk put", || self.inner.chunks().put(data.clone()))
            .await
    }
}

#[async_trait]
impl BlobService for Retry {
    async fn stat(&self, digest: &B3Digest) -> Result<Option<BlobMeta>, BlobError> {
        self.run("blob stat", || self.inner.blobs().stat(digest))
            .await
    }

    async fn put_meta(&self, digest: &B3Digest, meta: BlobMeta) -> Result<(), BlobError> {
        self.run("blob put", || {
            self.inner.blobs().put_meta(digest, meta.clone())
        })
        .await
    }

    async fn sync(&self) -> Result<(), BlobError> {
        self.run("blob sync", || self.inner.blobs().sync()).await
    }
}

#[async_trait]
impl DirectoryService for Retry {
    async fn get(&self, digest: &B3Digest) -> Result<Option<Directory>, DirectoryError> {
        self.run("directory get", || self.inner.directories().get(digest))
            .await
    }

    async fn put(&self, dir: Directory) -> Result<B3Digest, DirectoryError> {
        self.run("directory put", || {
            self.inner.directories().put(dir.clone())
        })
        .await
    }

    async fn get_closure(&self, root: &B3Digest) -> Result<Vec<Directory>, DirectoryError> {
        self.run("closure get", || self.inner.directories().get_closure(root))
            .await
    }

    async fn put_closure(&self, closure: Closure) -> Result<B3Digest, DirectoryError> {
        self.run("closure put", || {
            self.inner.directories().put_closure(closure.clone())
        })
        .await
    }
}
