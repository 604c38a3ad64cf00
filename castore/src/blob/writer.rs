//! [`BlobWriter`]: chunks, hashes and uploads a blob; it becomes visible on close.

use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use futures::{StreamExt, stream::FuturesUnordered};
use tokio::task::JoinHandle;

use crate::{
    B3Digest, BlobError, BlobMeta, BlobService, ChunkError, ChunkMeta, ChunkService, InstanceName,
};

/// Aborts an upload task when dropped, so a dropped writer stops its uploads.
struct AbortOnDrop(JoinHandle<Result<(), ChunkError>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl std::future::Future for AbortOnDrop {
    type Output = Result<Result<(), ChunkError>, tokio::task::JoinError>;
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        std::pin::Pin::new(&mut self.0).poll(cx)
    }
}

/// Writes one blob: cuts FastCDC chunks, uploads them concurrently (bounded),
/// checks the digests the chunk service answers. Call
/// [`close`](Self::close): until it succeeds, the blob does not exist.
#[must_use = "a blob exists only after close() succeeded"]
pub struct BlobWriter {
    instance: InstanceName,
    chunks: Arc<dyn ChunkService>,
    blobs: Arc<dyn BlobService>,
    min: usize,
    avg: usize,
    max: usize,
    concurrency: usize,
    buf: BytesMut,
    /// Hashes the whole blob, fed chunk by chunk from the second chunk on:
    /// a blob of one chunk (every small file) has that chunk's digest, so
    /// it is hashed once.
    hasher: blake3::Hasher,
    /// The first chunk, until a second one is cut.
    first: Option<Bytes>,
    metas: Vec<ChunkMeta>,
    uploads: FuturesUnordered<AbortOnDrop>,
}

impl std::fmt::Debug for BlobWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobWriter")
            .field("instance", &self.instance)
            .field("chunks", &self.metas.len())
            .finish_non_exhaustive()
    }
}

impl BlobWriter {
    pub(crate) fn new(
        instance: InstanceName,
        chunks: Arc<dyn ChunkService>,
        blobs: Arc<dyn BlobService>,
        opts: super::BlobOptions,
    ) -> Self {
        // FastCDC asserts its limits (minimum 64 B ..= 1 MiB, maximum 1 KiB ..=
        // 16 MiB); with min = avg/2 and max = 2·avg that is avg in 512 B ..= 1 MiB.
        let avg = opts.avg_chunk_size.clamp(512, 1024 * 1024) as usize;
        Self {
            instance,
            chunks,
            blobs,
            min: avg / 2,
            avg,
            max: avg * 2,
            concurrency: opts.upload_concurrency.max(1),
            buf: BytesMut::new(),
            hasher: blake3::Hasher::new(),
            first: None,
            metas: Vec::new(),
            uploads: FuturesUnordered::new(),
        }
    }

    /// Appends `data` to the blob. Full chunks are uploaded as they are cut;
    /// at most `upload_concurrency` uploads (each at most 2·avg bytes) are in
    /// flight, so memory stays bounded whatever the blob's size.
    pub async fn write(&mut self, data: &[u8]) -> Result<(), BlobError> {
        self.buf.extend_from_slice(data);
        // A chunk boundary depends only on the next `max` bytes, so cutting
        // whenever that many are buffered gives the same chunks as cutting the
        // whole blob at once.
        while self.buf.len() >= self.max {
            self.cut_one().await?;
        }
        Ok(())
    }

    /// Cuts the next chunk off the buffer and uploads it.
    async fn cut_one(&mut self) -> Result<(), BlobError> {
        let len = fastcdc::v2020::FastCDC::new(
            &self.buf,
            self.min as u32,
            self.avg as u32,
            self.max as u32,
        )
        .next()
        .map_or(self.buf.len(), |c| c.length);
        let chunk = self.buf.split_to(len).freeze();
        self.upload(chunk).await
    }

    async fn upload(&mut self, chunk: Bytes) -> Result<(), BlobError> {
        while self.uploads.len() >= self.concurrency {
            self.join_one().await?;
        }
        let digest = B3Digest::of(&chunk);
        if self.metas.is_empty() {
            self.first = Some(chunk.clone());
        } else {
            if let Some(first) = self.first.take() {
                self.hasher.update(&first);
            }
            self.hasher.update(&chunk);
        }
        self.metas.push(ChunkMeta {
            digest,
            size: chunk.len() as u64,
        });
        let svc = self.chunks.clone();
        let instance = self.instance.clone();
        self.uploads.push(AbortOnDrop(tokio::spawn(async move {
            let got = svc.put_hashed(digest, chunk).await?;
            if got != digest {
                return Err(ChunkError::corrupt(
                    &instance,
                    digest,
                    format!("the chunk store answered digest {got}"),
                ));
            }
            Ok(())
        })));
        Ok(())
    }

    async fn join_one(&mut self) -> Result<(), BlobError> {
        match self.uploads.next().await {
            Some(Ok(r)) => r.map_err(BlobError::from),
            Some(Err(join)) => Err(BlobError::storage(&self.instance, join)),
            None => Ok(()),
        }
    }

    /// Uploads the rest, waits for every chunk, then records the blob and
    /// returns its digest. Only now does the blob become readable.
    pub async fn close(mut self) -> Result<B3Digest, BlobError> {
        while !self.buf.is_empty() {
            self.cut_one().await?;
        }
        while !self.uploads.is_empty() {
            self.join_one().await?;
        }
        let digest = match self.metas.as_slice() {
            [only] => only.digest,
            _ => B3Digest::from(self.hasher.finalize()),
        };
        let meta = BlobMeta {
            chunks: std::mem::take(&mut self.metas),
        };
        self.blobs.put_meta(&digest, meta).await?;
        Ok(digest)
    }
}
