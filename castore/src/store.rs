//! [`Store`]: one named store instance, the three services it is made of, and
//! blob reading and writing over them.
//!
//! Every backend and combinator produces a `Store`; the composition hands them
//! out by name; every consumer (import, the gRPC server, the CLI) takes one.

use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncReadExt};

use crate::{
    B3Digest, BlobError, BlobOptions, BlobReader, BlobService, BlobWriter, ChunkService,
    DirectoryService, InstanceName,
};

/// A store instance: a chunk, a blob and a directory service, with a name.
#[derive(Clone)]
pub struct Store {
    name: InstanceName,
    chunks: Arc<dyn ChunkService>,
    blobs: Arc<dyn BlobService>,
    directories: Arc<dyn DirectoryService>,
    options: BlobOptions,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("name", &self.name)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// A store from three services.
    #[must_use]
    pub fn new(
        name: InstanceName,
        chunks: Arc<dyn ChunkService>,
        blobs: Arc<dyn BlobService>,
        directories: Arc<dyn DirectoryService>,
    ) -> Self {
        Self {
            name,
            chunks,
            blobs,
            directories,
            options: BlobOptions::default(),
        }
    }

    /// A store whose three services are one backend value.
    #[must_use]
    pub fn from_backend<B>(name: InstanceName, backend: B) -> Self
    where
        B: ChunkService + BlobService + DirectoryService + 'static,
    {
        let b = Arc::new(backend);
        Self::new(name, b.clone(), b.clone(), b)
    }

    /// The same store with other blob options.
    #[must_use]
    pub fn with_options(mut self, options: BlobOptions) -> Self {
        self.options = options;
        self
    }

    /// The instance name.
    #[must_use]
    pub fn name(&self) -> &InstanceName {
        &self.name
    }

    /// The blob options.
    #[must_use]
    pub fn options(&self) -> BlobOptions {
        self.options
    }

    /// The chunk service.
    #[must_use]
    pub fn chunks(&self) -> &Arc<dyn ChunkService> {
        &self.chunks
    }

    /// The blob (metadata) service.
    #[must_use]
    pub fn blobs(&self) -> &Arc<dyn BlobService> {
        &self.blobs
    }

    /// The directory service.
    #[must_use]
    pub fn directories(&self) -> &Arc<dyn DirectoryService> {
        &self.directories
    }

    /// Opens a blob for reading, or `None` if it does not exist.
    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name, %digest))]
    pub async fn open_read(&self, digest: &B3Digest) -> Result<Option<BlobReader>, BlobError> {
        let Some(meta) = self.blobs.stat(digest).await? else {
            return Ok(None);
        };
        Ok(Some(BlobReader::new(
            self.name.clone(),
            self.chunks.clone(),
            &meta,
            self.options.prefetch,
        )))
    }

    /// Starts writing a blob.
    pub fn open_write(&self) -> BlobWriter {
        BlobWriter::new(
            self.name.clone(),
            self.chunks.clone(),
            self.blobs.clone(),
            self.options,
        )
    }

    /// Writes everything `r` yields as one blob; returns its digest and size.
    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    pub async fn put_reader<R: AsyncRead + Unpin>(
        &self,
        mut r: R,
    ) -> Result<(B3Digest, u64), BlobError> {
        let mut w = self.open_write();
        let mut buf = vec![0u8; 64 * 1024];
        let mut total = 0u64;
        loop {
            let n = r
                .read(&mut buf)
                .await
                .map_err(|e| BlobError::storage(&self.name, e))?;
            if n == 0 {
                break;
            }
            total += n as u64;
            w.write(&buf[..n]).await?;
        }
        Ok((w.close().await?, total))
    }

    /// Writes `data` as one blob and returns its digest.
    pub async fn put_blob(&self, data: &[u8]) -> Result<B3Digest, BlobError> {
        let mut w = self.open_write();
        w.write(data).await?;
        w.close().await
    }

    /// Reads a whole blob into memory, or `None` if it does not exist.
    pub async fn read_blob(&self, digest: &B3Digest) -> Result<Option<Vec<u8>>, BlobError> {
        let Some(mut r) = self.open_read(digest).await? else {
            return Ok(None);
        };
        let mut out = Vec::new();
        r.read_to_end(&mut out).await.map_err(|e| {
            // Chunk errors arrive wrapped in io::Error; keep them as the source.
            BlobError::storage(&self.name, e)
        })?;
        Ok(Some(out))
    }
}
