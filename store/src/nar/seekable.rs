//! A NAR that can be read from any byte offset without rendering what comes
//! before it, for HTTP range requests on NARs served from castore.
//!
//! [`NarLayout::of`] fetches the directory closure of a root node once and
//! computes the NAR's layout from the metadata alone: the framing (tokens,
//! names, symlink targets, lengths and padding, whose sizes follow from the
//! names and file sizes) as bytes, and in between the byte ranges that are
//! the contents of each non-empty file, by blob digest. [`SeekableNar`]
//! implements [`AsyncRead`] and [`AsyncSeek`] over a layout: reading at an
//! offset finds its segment by binary search, copies framing bytes, or opens
//! the blob and seeks into it. Sequential reads keep the open blob reader;
//! a seek elsewhere drops it.
//!
//! The framing written here is the NAR format (see
//! [`nix_compat::nar`]); tests compare every slice with the NAR that
//! [`write_nar`](super::write_nar) renders through nix-compat's writer.

use std::{
    collections::HashMap,
    future::Future,
    io::{self, SeekFrom},
    pin::Pin,
    sync::Arc,
    task::{Context, Poll, ready},
};

use bytes::{BufMut, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncSeek, AsyncSeekExt, ReadBuf};
use tvix_castore::{B3Digest, BlobReader, Directory, Node, Store};

use super::render::{RenderError, fetch_closure};

/// A piece of a NAR.
#[derive(Debug, Clone)]
enum Segment {
    /// Framing bytes.
    Framing(Bytes),
    /// The contents of a file: a blob of `size` bytes (never 0).
    Blob { digest: B3Digest, size: u64 },
}

impl Segment {
    fn len(&self) -> u64 {
        match self {
            Self::Framing(b) => b.len() as u64,
            Self::Blob { size, .. } => *size,
        }
    }
}

/// Where each byte of a NAR comes from.
#[derive(Debug, Clone)]
pub struct NarLayout {
    /// (start offset, segment), in order; starts strictly increase.
    segments: Vec<(u64, Segment)>,
    size: u64,
}

/// Builds a layout: framing accumulates until a file's contents interrupt it.
struct LayoutBuilder {
    segments: Vec<(u64, Segment)>,
    framing: BytesMut,
    offset: u64,
}

impl LayoutBuilder {
    /// A NAR string: its length (u64 LE), its bytes, zero padding to 8.
    fn string(&mut self, s: &[u8]) {
        self.framing.put_u64_le(s.len() as u64);
        self.framing.put_slice(s);
        self.pad(s.len() as u64);
    }

    fn pad(&mut self, len: u64) {
        let rem = (len % 8) as usize;
        if rem != 0 {
            self.framing.put_bytes(0, 8 - rem);
        }
    }

    fn flush_framing(&mut self) {
        if !self.framing.is_empty() {
            let b = self.framing.split().freeze();
            let len = b.len() as u64;
            self.segments.push((self.offset, Segment::Framing(b)));
            self.offset += len;
        }
    }

    fn contents(&mut self, digest: B3Digest, size: u64) {
        if size == 0 {
            return;
        }
        self.flush_framing();
        self.segments
            .push((self.offset, Segment::Blob { digest, size }));
        self.offset += size;
        self.pad(size);
    }

    fn node(
        &mut self,
        node: &Node,
        dirs: &HashMap<B3Digest, Directory>,
    ) -> Result<(), RenderError> {
        self.string(b"(");
        self.string(b"type");
        match node {
            Node::File {
                digest,
                size,
                executable,
            } => {
                self.string(b"regular");
                if *executable {
                    self.string(b"executable");
                    self.string(b"");
                }
                self.string(b"contents");
                self.framing.put_u64_le(*size);
                self.contents(*digest, *size);
            }
            Node::Symlink { target } => {
                self.string(b"symlink");
                self.string(b"target");
                self.string(target.as_bytes());
            }
            Node::Directory { digest, .. } => {
                let d = dirs
                    .get(digest)
                    .ok_or(RenderError::DirectoryMissing(*digest))?;
                self.string(b"directory");
                for (name, child) in d.entries() {
                    self.string(b"entry");
                    self.string(b"(");
                    self.string(b"name");
                    self.string(name.as_bytes());
                    self.string(b"node");
                    self.node(child, dirs)?;
                    self.string(b")");
                }
            }
        }
        self.string(b")");
        Ok(())
    }
}

impl NarLayout {
    /// The layout of `root`'s NAR; fetches its directory closure from `store`.
    pub async fn of(root: &Node, store: &Store) -> Result<Self, RenderError> {
        let dirs = fetch_closure(store, root).await?;
        Self::from_directories(root, &dirs)
    }

    fn from_directories(
        root: &Node,
        dirs: &HashMap<B3Digest, Directory>,
    ) -> Result<Self, RenderError> {
        let mut b = LayoutBuilder {
            segments: Vec::new(),
            framing: BytesMut::new(),
            offset: 0,
        };
        b.string(nix_compat::nar::MAGIC.as_bytes());
        b.node(root, dirs)?;
        b.flush_framing();
        Ok(Self {
            segments: b.segments,
            size: b.offset,
        })
    }

    /// The NAR's size in bytes.
    #[must_use]
    pub fn nar_size(&self) -> u64 {
        self.size
    }

    /// The index of the segment holding byte `pos` (`pos < size`).
    fn segment_at(&self, pos: u64) -> usize {
        // Invariant: the first segment starts at 0 (the magic), so at least
        // one start is <= pos.
        self.segments
            .partition_point(|(start, _)| *start <= pos)
            .saturating_sub(1)
    }
}

type Opening = Pin<Box<dyn Future<Output = io::Result<BlobReader>> + Send>>;

/// What the reader holds between reads.
enum State {
    /// Nothing open.
    Idle,
    /// Opening the blob of segment `idx`, positioned at the current offset.
    Opening { idx: usize, fut: Opening },
    /// The blob of segment `idx` is open at the current offset.
    Reading { idx: usize, reader: Box<BlobReader> },
}

/// Reads a NAR from castore at any offset (see the [module docs](self)).
pub struct SeekableNar {
    layout: Arc<NarLayout>,
    store: Store,
    pos: u64,
    state: State,
}

impl std::fmt::Debug for SeekableNar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeekableNar")
            .field("size", &self.layout.size)
            .field("pos", &self.pos)
            .finish_non_exhaustive()
    }
}

impl SeekableNar {
    /// A reader of `root`'s NAR at offset 0 (see [`NarLayout::of`]).
    pub async fn open(root: &Node, store: Store) -> Result<Self, RenderError> {
        let layout = NarLayout::of(root, &store).await?;
        Ok(Self::new(Arc::new(layout), store))
    }

    /// A reader over a layout computed before, at offset 0.
    #[must_use]
    pub fn new(layout: Arc<NarLayout>, store: Store) -> Self {
        Self {
            layout,
            store,
            pos: 0,
            state: State::Idle,
        }
    }

    /// The NAR's size in bytes.
    #[must_use]
    pub fn nar_size(&self) -> u64 {
        self.layout.size
    }

    fn open_blob(&self, digest: B3Digest, size: u64, offset: u64) -> Opening {
        let store = self.store.clone();
        Box::pin(async move {
            let err = |e: RenderError| io::Error::other(e);
            let mut r = store
                .open_read(&digest)
                .await
                .map_err(|source| err(RenderError::Blob { digest, source }))?
                .ok_or_else(|| err(RenderError::BlobMissing(digest)))?;
            if r.len() != size {
                return Err(err(RenderError::SizeMismatch {
                    digest,
                    expected: size,
                    actual: r.len(),
                }));
            }
            r.seek(SeekFrom::Start(offset)).await?;
            Ok(r)
        })
    }
}

impl AsyncRead for SeekableNar {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if this.pos >= this.layout.size || buf.remaining() == 0 {
                return Poll::Ready(Ok(()));
            }
            let idx = this.layout.segment_at(this.pos);
            let (start, seg) = &this.layout.segments[idx];
            let within = this.pos - start;
            let left = seg.len() - within;
            let max = usize::try_from(left)
                .unwrap_or(usize::MAX)
                .min(buf.remaining());
            match seg {
                Segment::Framing(b) => {
                    // Invariant: within < b.len(), and max <= b.len() - within.
                    let from = within as usize;
                    buf.put_slice(&b[from..from + max]);
                    this.pos += max as u64;
                    return Poll::Ready(Ok(()));
                }
                Segment::Blob { digest, size } => match &mut this.state {
                    State::Reading { idx: open, reader } if *open == idx => {
                        let dst = buf.initialize_unfilled_to(max);
                        let mut sub = ReadBuf::new(dst);
                        ready!(Pin::new(&mut **reader).poll_read(cx, &mut sub))?;
                        let n = sub.filled().len();
                        if n == 0 {
                            return Poll::Ready(Err(io::Error::new(
                                io::ErrorKind::UnexpectedEof,
                                format!("blob {digest} ended before its {size} bytes"),
                            )));
                        }
                        buf.advance(n);
                        this.pos += n as u64;
                        return Poll::Ready(Ok(()));
                    }
                    State::Opening { idx: open, fut } if *open == idx => {
                        let reader = ready!(fut.as_mut().poll(cx))?;
                        this.state = State::Reading {
                            idx,
                            reader: Box::new(reader),
                        };
                    }
                    _ => {
                        let fut = this.open_blob(*digest, *size, within);
                        this.state = State::Opening { idx, fut };
                    }
                },
            }
        }
    }
}

impl AsyncSeek for SeekableNar {
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        let this = self.get_mut();
        let target = match position {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => this.layout.size.checked_add_signed(d),
            SeekFrom::Current(d) => this.pos.checked_add_signed(d),
        }
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek to a negative or overflowing position",
            )
        })?;
        if target != this.pos {
            // An open blob reader is at the old position.
            this.state = State::Idle;
            this.pos = target;
        }
        Ok(())
    }

    fn poll_complete(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<u64>> {
        Poll::Ready(Ok(self.pos))
    }
}

#[cfg(test)]
mod tests;
