//! [`MemoryBackend`]: everything in process memory, lost on exit. For tests and
//! as a cache in front of slower stores.

use std::{collections::HashMap, sync::RwLock};

use async_trait::async_trait;
use bytes::Bytes;

use crate::{
    B3Digest, BlobError, BlobMeta, BlobService, ChunkError, ChunkService, Closure, Directory,
    DirectoryError, DirectoryService, InstanceName,
};

/// An in-memory backend.
#[derive(Debug)]
pub struct MemoryBackend {
    name: InstanceName,
    chunks: RwLock<HashMap<B3Digest, Bytes>>,
    blobs: RwLock<HashMap<B3Digest, BlobMeta>>,
    directories: RwLock<HashMap<B3Digest, Directory>>,
}

impl MemoryBackend {
    /// An empty backend called `name`.
    #[must_use]
    pub fn new(name: InstanceName) -> Self {
        Self {
            name,
            chunks: RwLock::default(),
            blobs: RwLock::default(),
            directories: RwLock::default(),
        }
    }
}

/// A poisoned lock means a panic while holding it; the maps are only mutated
/// by single inserts, so their contents are still consistent and we go on.
fn read<T>(l: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|p| p.into_inner())
}

fn write<T>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|p| p.into_inner())
}

#[async_trait]
impl ChunkService for MemoryBackend {
    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn has(&self, digest: &B3Digest) -> Result<bool, ChunkError> {
        Ok(read(&self.chunks).contains_key(digest))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn get(&self, digest: &B3Digest) -> Result<Option<Bytes>, ChunkError> {
        Ok(read(&self.chunks).get(digest).cloned())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn put(&self, data: Bytes) -> Result<B3Digest, ChunkError> {
        let digest = B3Digest::of(&data);
        write(&self.chunks).entry(digest).or_insert(data);
        Ok(digest)
    }
}

#[async_trait]
impl BlobService for MemoryBackend {
    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn stat(&self, digest: &B3Digest) -> Result<Option<BlobMeta>, BlobError> {
        Ok(read(&self.blobs).get(digest).cloned())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn put_meta(&self, digest: &B3Digest, meta: BlobMeta) -> Result<(), BlobError> {
        write(&self.blobs).insert(*digest, meta);
        Ok(())
    }

    async fn sync(&self) -> Result<(), BlobError> {
        Ok(())
    }
}

#[async_trait]
impl DirectoryService for MemoryBackend {
    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn get(&self, digest: &B3Digest) -> Result<Option<Directory>, DirectoryError> {
        Ok(read(&self.directories).get(digest).cloned())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn put(&self, dir: Directory) -> Result<B3Digest, DirectoryError> {
        let digest = dir.digest();
        write(&self.directories).insert(digest, dir);
        Ok(digest)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn get_closure(&self, root: &B3Digest) -> Result<Vec<Directory>, DirectoryError> {
        crate::directoryservice::get_closure_by_get(self, &self.name, root).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn put_closure(&self, closure: Closure) -> Result<B3Digest, DirectoryError> {
        let root = closure.root();
        let mut map = write(&self.directories);
        for (d, dir) in closure.leaves_first() {
            map.insert(*d, dir.clone());
        }
        Ok(root)
    }
}
