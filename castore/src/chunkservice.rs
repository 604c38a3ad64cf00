//! The [`ChunkService`] trait: content-addressed chunks by digest.
//!
//! Chunks are the pieces FastCDC cuts blobs into (see [`crate::blob`]). A chunk
//! service knows nothing of blobs; which chunks make a blob is the
//! [`BlobService`](crate::BlobService)'s business.

use async_trait::async_trait;
use bytes::Bytes;

use crate::{B3Digest, ChunkError};

/// Stores and fetches chunks by their BLAKE3 digest.
///
/// Backends may return data without checking it: the shared blob reader verifies
/// every chunk it reads against its digest.
#[async_trait]
pub trait ChunkService: Send + Sync {
    /// Whether the chunk exists.
    async fn has(&self, digest: &B3Digest) -> Result<bool, ChunkError>;

    /// The chunk's bytes, or `None` if it does not exist.
    async fn get(&self, digest: &B3Digest) -> Result<Option<Bytes>, ChunkError>;

    /// Stores a chunk and returns its digest, computed by the backend (so a
    /// caller can compare it with its own). Storing an existing chunk is cheap.
    async fn put(&self, data: Bytes) -> Result<B3Digest, ChunkError>;

    /// Stores a chunk whose digest the caller computed from `data` in this
    /// process (the blob writer does) and returns the digest stored under.
    /// Backends that would only hash it again may trust `digest` (the local
    /// backend does); the default is [`put`](Self::put), whose answer the
    /// caller compares with its own.
    async fn put_hashed(&self, digest: B3Digest, data: Bytes) -> Result<B3Digest, ChunkError> {
        let _ = digest;
        self.put(data).await
    }
}
