//! The [`BlobService`] trait: blob metadata, i.e. which chunks make a blob.
//!
//! Contents live in a [`ChunkService`](crate::ChunkService); reading and writing
//! whole blobs is done once, for every backend, by [`crate::blob`] over the
//! composed services. A blob becomes visible when its metadata is put, which the
//! blob writer does only after all its chunks were stored.

use async_trait::async_trait;

use crate::{B3Digest, BlobError};

/// One chunk of a blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChunkMeta {
    /// The chunk's digest.
    pub digest: B3Digest,
    /// The chunk's length in bytes.
    pub size: u64,
}

/// Which chunks, in order, make a blob. An empty list is the empty blob.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlobMeta {
    /// The chunks in order.
    pub chunks: Vec<ChunkMeta>,
}

impl BlobMeta {
    /// The blob's length: the sum of its chunks' lengths (saturating, as a
    /// corrupt list could overflow).
    #[must_use]
    pub fn size(&self) -> u64 {
        self.chunks
            .iter()
            .fold(0u64, |acc, c| acc.saturating_add(c.size))
    }
}

/// Keeps blob metadata.
#[async_trait]
pub trait BlobService: Send + Sync {
    /// The blob's metadata, or `None` if the blob does not exist.
    async fn stat(&self, digest: &B3Digest) -> Result<Option<BlobMeta>, BlobError>;

    /// Records the metadata of a blob whose chunks are all stored. Callers
    /// normally use a [`BlobWriter`](crate::BlobWriter) instead.
    ///
    /// The blob is readable when this returns, but may not be durable yet:
    /// call [`sync`](Self::sync) before anything outside this store (a
    /// PathInfo, a reply to a client) refers to it.
    async fn put_meta(&self, digest: &B3Digest, meta: BlobMeta) -> Result<(), BlobError>;

    /// Makes every blob recorded so far (and its chunks) durable. Backends
    /// whose writes are durable when they return do nothing.
    async fn sync(&self) -> Result<(), BlobError>;
}
