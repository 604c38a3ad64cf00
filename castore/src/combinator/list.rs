//! [`PriorityList`]: several stores in priority order. Reads go to each in
//! turn and answer from the first that has the object; writes go to the first.
//! A closure is taken whole from the first store that has its root.

use async_trait::async_trait;
use bytes::Bytes;

use crate::{
    B3Digest, BlobError, BlobMeta, BlobService, ChunkError, ChunkService, Closure, Directory,
    DirectoryError, DirectoryService, ErrorKind, InstanceName, Store,
};

/// Stores by priority (see the module docs).
#[derive(Debug, Clone)]
pub struct PriorityList {
    name: InstanceName,
    stores: Vec<Store>,
}

impl PriorityList {
    /// A list of stores, highest priority first. An empty list is an error.
    pub fn new(name: InstanceName, stores: Vec<Store>) -> Result<Self, EmptyList> {
        if stores.is_empty() {
            return Err(EmptyList);
        }
        Ok(Self { name, stores })
    }

    fn first(&self) -> &Store {
        // Invariant: `new` refuses an empty list.
        &self.stores[0]
    }
}

/// A priority list needs at least one store.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("a priority list needs at least one store")]
pub struct EmptyList;

#[async_trait]
impl ChunkService for PriorityList {
    async fn has(&self, digest: &B3Digest) -> Result<bool, ChunkError> {
        for s in &self.stores {
            if s.chunks().has(digest).await? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    async fn get(&self, digest: &B3Digest) -> Result<Option<Bytes>, ChunkError> {
        for s in &self.stores {
            if let Some(b) = s.chunks().get(digest).await? {
                return Ok(Some(b));
            }
        }
        Ok(None)
    }

    async fn put(&self, data: Bytes) -> Result<B3Digest, ChunkError> {
        self.first().chunks().put(data).await
    }
}

#[async_trait]
impl BlobService for PriorityList {
    async fn stat(&self, digest: &B3Digest) -> Result<Option<BlobMeta>, BlobError> {
        for s in &self.stores {
            if let Some(m) = s.blobs().stat(digest).await? {
                return Ok(Some(m));
            }
        }
        Ok(None)
    }

    async fn put_meta(&self, digest: &B3Digest, meta: BlobMeta) -> Result<(), BlobError> {
        self.first().blobs().put_meta(digest, meta).await
    }

    async fn sync(&self) -> Result<(), BlobError> {
        self.first().blobs().sync().await
    }
}

#[async_trait]
impl DirectoryService for PriorityList {
    async fn get(&self, digest: &B3Digest) -> Result<Option<Directory>, DirectoryError> {
        for s in &self.stores {
            if let Some(d) = s.directories().get(digest).await? {
                return Ok(Some(d));
            }
        }
        Ok(None)
    }

    async fn put(&self, dir: Directory) -> Result<B3Digest, DirectoryError> {
        self.first().directories().put(dir).await
    }

    async fn get_closure(&self, root: &B3Digest) -> Result<Vec<Directory>, DirectoryError> {
        for s in &self.stores {
            match s.directories().get_closure(root).await {
                Ok(v) => return Ok(v),
                Err(e) if e.kind() == ErrorKind::NotFound && e.digest() == Some(*root) => {}
                Err(e) => return Err(e),
            }
        }
        Err(DirectoryError::not_found(&self.name, *root))
    }

    async fn put_closure(&self, closure: Closure) -> Result<B3Digest, DirectoryError> {
        self.first().directories().put_closure(closure).await
    }
}
