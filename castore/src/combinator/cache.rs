//! [`Cache`]: a near store (fast, e.g. memory or local) in front of a far store
//! (slow, e.g. gRPC).
//!
//! - Chunks: read from near, else from far; a far hit is verified and written
//!   to near. Blob metadata is read from near, else far, and not copied: near
//!   then holds the chunks actually read, never a blob whose chunks it lacks.
//! - Directories: a near miss fetches the whole closure from far, validates
//!   it, and stores it in near in one batch, so near always holds complete
//!   closures.
//! - Writes go to far first (it is the authority), then to near.

use async_trait::async_trait;
use bytes::Bytes;

use crate::{
    B3Digest, BlobError, BlobMeta, BlobService, ChunkError, ChunkService, Closure, Directory,
    DirectoryError, DirectoryService, ErrorKind, InstanceName, Store,
};

/// A caching store (see the module docs).
#[derive(Debug, Clone)]
pub struct Cache {
    name: InstanceName,
    near: Store,
    far: Store,
}

impl Cache {
    /// `near` in front of `far`.
    #[must_use]
    pub fn new(name: InstanceName, near: Store, far: Store) -> Self {
        Self { name, near, far }
    }
}

#[async_trait]
impl ChunkService for Cache {
    async fn has(&self, digest: &B3Digest) -> Result<bool, ChunkError> {
        Ok(self.near.chunks().has(digest).await? || self.far.chunks().has(digest).await?)
    }

    #[tracing::instrument(skip_all, fields(instance = %self.name, %digest))]
    async fn get(&self, digest: &B3Digest) -> Result<Option<Bytes>, ChunkError> {
        if let Some(b) = self.near.chunks().get(digest).await? {
            return Ok(Some(b));
        }
        let Some(b) = self.far.chunks().get(digest).await? else {
            return Ok(None);
        };
        if B3Digest::of(&b) != *digest {
            return Err(ChunkError::corrupt(
                &self.name,
                *digest,
                "far store sent other contents",
            ));
        }
        self.near.chunks().put(b.clone()).await?;
        tracing::debug!("filled near from far");
        Ok(Some(b))
    }

    async fn put(&self, data: Bytes) -> Result<B3Digest, ChunkError> {
        let d = self.far.chunks().put(data.clone()).await?;
        self.near.chunks().put(data).await?;
        Ok(d)
    }
}

#[async_trait]
impl BlobService for Cache {
    async fn stat(&self, digest: &B3Digest) -> Result<Option<BlobMeta>, BlobError> {
        if let Some(m) = self.near.blobs().stat(digest).await? {
            return Ok(Some(m));
        }
        self.far.blobs().stat(digest).await
    }

    async fn put_meta(&self, digest: &B3Digest, meta: BlobMeta) -> Result<(), BlobError> {
        self.far.blobs().put_meta(digest, meta.clone()).await?;
        self.near.blobs().put_meta(digest, meta).await
    }

    async fn sync(&self) -> Result<(), BlobError> {
        self.far.blobs().sync().await?;
        self.near.blobs().sync().await
    }
}

impl Cache {
    /// Copies the closure of `root` from far to near; returns it root first,
    /// or `None` if far does not have the root.
    async fn fill(&self, root: &B3Digest) -> Result<Option<Vec<Directory>>, DirectoryError> {
        let dirs = match self.far.directories().get_closure(root).await {
            Ok(d) => d,
            Err(e) if e.kind() == ErrorKind::NotFound && e.digest() == Some(*root) => {
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        let closure = Closure::from_root_first(*root, dirs)
            .map_err(|e| DirectoryError::corrupt(&self.name, *root, e.to_string()))?;
        self.near.directories().put_closure(closure.clone()).await?;
        tracing::debug!(instance = %self.name, %root, n = closure.len(), "filled near closure");
        Ok(Some(closure.into_root_first()))
    }
}

#[async_trait]
impl DirectoryService for Cache {
    async fn get(&self, digest: &B3Digest) -> Result<Option<Directory>, DirectoryError> {
        if let Some(d) = self.near.directories().get(digest).await? {
            return Ok(Some(d));
        }
        Ok(self.fill(digest).await?.and_then(|v| v.into_iter().next()))
    }

    async fn put(&self, dir: Directory) -> Result<B3Digest, DirectoryError> {
        let d = self.far.directories().put(dir.clone()).await?;
        self.near.directories().put(dir).await?;
        Ok(d)
    }

    async fn get_closure(&self, root: &B3Digest) -> Result<Vec<Directory>, DirectoryError> {
        match self.near.directories().get_closure(root).await {
            Ok(v) => return Ok(v),
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        self.fill(root)
            .await?
            .ok_or_else(|| DirectoryError::not_found(&self.name, *root))
    }

    async fn put_closure(&self, closure: Closure) -> Result<B3Digest, DirectoryError> {
        let d = self.far.directories().put_closure(closure.clone()).await?;
        self.near.directories().put_closure(closure).await?;
        Ok(d)
    }
}
