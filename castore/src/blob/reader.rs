//! [`BlobReader`]: the one seekable blob reader, prefetching chunks concurrently.

use std::{
    collections::VecDeque,
    io,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use bytes::Bytes;
use tokio::{
    io::{AsyncRead, AsyncSeek, ReadBuf},
    task::JoinHandle,
};

use crate::{B3Digest, BlobMeta, ChunkError, ChunkService, InstanceName};

/// Aborts the task when dropped, so a dropped reader stops its prefetches.
struct AbortOnDrop(JoinHandle<Result<Bytes, ChunkError>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A seekable reader of one blob: fetches up to `prefetch` upcoming chunks
/// concurrently, verifies each chunk's length and digest, seeks by binary
/// search over chunk offsets.
///
/// Must be polled inside a tokio runtime: prefetches run as tasks.
pub struct BlobReader {
    instance: InstanceName,
    chunks: Arc<dyn ChunkService>,
    /// (start offset, digest, size) of every chunk, in order.
    layout: Vec<(u64, B3Digest, u64)>,
    size: u64,
    pos: u64,
    window: usize,
    /// The chunk being read: its index and bytes.
    current: Option<(usize, Bytes)>,
    /// Fetches in flight, for consecutive chunk indices.
    inflight: VecDeque<(usize, AbortOnDrop)>,
    /// Position requested by `start_seek`.
    seek_to: Option<u64>,
}

impl std::fmt::Debug for BlobReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobReader")
            .field("instance", &self.instance)
            .field("size", &self.size)
            .field("pos", &self.pos)
            .finish_non_exhaustive()
    }
}

impl BlobReader {
    pub(crate) fn new(
        instance: InstanceName,
        chunks: Arc<dyn ChunkService>,
        meta: &BlobMeta,
        window: usize,
    ) -> Self {
        let mut layout = Vec::with_capacity(meta.chunks.len());
        let mut off = 0u64;
        for c in &meta.chunks {
            layout.push((off, c.digest, c.size));
            off = off.saturating_add(c.size);
        }
        Self {
            instance,
            chunks,
            layout,
            size: off,
            pos: 0,
            window: window.max(1),
            current: None,
            inflight: VecDeque::new(),
            seek_to: None,
        }
    }

    /// The blob's length in bytes.
    #[must_use]
    pub fn len(&self) -> u64 {
        self.size
    }

    /// Whether the blob is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.size == 0
    }

    /// Index of the chunk holding byte `pos` (< size).
    fn chunk_index(&self, pos: u64) -> usize {
        // The last chunk starting at or before pos. Empty chunks never occur
        // (FastCDC never cuts one), but a chunk list from a backend could hold
        // them; partition_point skips them harmlessly.
        self.layout
            .partition_point(|(off, _, _)| *off <= pos)
            .saturating_sub(1)
    }

    fn spawn_fetch(&self, idx: usize) -> AbortOnDrop {
        let (_, digest, size) = self.layout[idx];
        let svc = self.chunks.clone();
        let instance = self.instance.clone();
        AbortOnDrop(tokio::spawn(async move {
            let data = svc
                .get(&digest)
                .await?
                .ok_or_else(|| ChunkError::not_found(&instance, digest))?;
            if data.len() as u64 != size {
                return Err(ChunkError::corrupt(
                    &instance,
                    digest,
                    format!("has {} bytes, the blob lists {size}", data.len()),
                ));
            }
            if B3Digest::of(&data) != digest {
                return Err(ChunkError::corrupt(
                    &instance,
                    digest,
                    "contents do not match the digest",
                ));
            }
            Ok(data)
        }))
    }

    /// Makes sure fetches for `idx` and the following window are in flight.
    fn top_up(&mut self, idx: usize) {
        if self.inflight.front().is_some_and(|(i, _)| *i != idx) {
            // A seek moved us: drop fetches before idx, or all if idx is not ahead.
            while self.inflight.front().is_some_and(|(i, _)| *i < idx) {
                self.inflight.pop_front();
            }
            if self.inflight.front().is_some_and(|(i, _)| *i != idx) {
                self.inflight.clear();
            }
        }
        let mut next = self.inflight.back().map_or(idx, |(i, _)| i + 1);
        while self.inflight.len() < self.window && next < self.layout.len() {
            let h = self.spawn_fetch(next);
            self.inflight.push_back((next, h));
            next += 1;
        }
    }
}

impl AsyncRead for BlobReader {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if this.pos >= this.size || buf.remaining() == 0 {
                return Poll::Ready(Ok(()));
            }
            let idx = this.chunk_index(this.pos);
            if let Some((cur, data)) = &this.current {
                if *cur == idx {
                    let (off, _, _) = this.layout[idx];
                    // pos - off < chunk size <= data.len() (checked on fetch).
                    let start = (this.pos - off) as usize;
                    let n = buf.remaining().min(data.len() - start);
                    buf.put_slice(&data[start..start + n]);
                    this.pos += n as u64;
                    // Keep the window full while the caller consumes this chunk.
                    if this.pos < this.size {
                        let next = this.chunk_index(this.pos);
                        if next != idx {
                            this.current = None;
                            this.top_up(next);
                        }
                    }
                    return Poll::Ready(Ok(()));
                }
            }
            this.top_up(idx);
            let Some((front, handle)) = this.inflight.front_mut() else {
                // idx < layout.len(), so top_up always schedules it.
                return Poll::Ready(Err(io::Error::other("no chunk fetch scheduled")));
            };
            debug_assert_eq!(*front, idx);
            let res = match Pin::new(&mut handle.0).poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(r) => r,
            };
            this.inflight.pop_front();
            match res {
                Ok(Ok(data)) => {
                    this.current = Some((idx, data));
                    this.top_up(idx + 1);
                }
                Ok(Err(e)) => return Poll::Ready(Err(e.into())),
                Err(join) => return Poll::Ready(Err(io::Error::other(join))),
            }
        }
    }
}

impl AsyncSeek for BlobReader {
    fn start_seek(self: Pin<&mut Self>, position: io::SeekFrom) -> io::Result<()> {
        let this = self.get_mut();
        let target = match position {
            io::SeekFrom::Start(p) => Some(p),
            io::SeekFrom::End(d) => this.size.checked_add_signed(d),
            io::SeekFrom::Current(d) => this.pos.checked_add_signed(d),
        };
        let target = target.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek to a negative or overflowing position",
            )
        })?;
        this.seek_to = Some(target);
        Ok(())
    }

    fn poll_complete(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let this = self.get_mut();
        if let Some(p) = this.seek_to.take() {
            this.pos = p;
        }
        Poll::Ready(Ok(this.pos))
    }
}

use std::future::Future;
