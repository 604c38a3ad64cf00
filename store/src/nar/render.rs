//! Rendering a castore tree as a NAR (see the [module docs](super)).

use std::{collections::HashMap, pin::Pin, task::Poll};

use bytes::Bytes;
use futures::{Stream, StreamExt};
use nix_compat::nar::writer::{self, r#async as nar};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tracing::Instrument;
use tvix_castore::{B3Digest, BlobError, BlobReader, Directory, DirectoryError, Node, Store};
use tvix_tracing::{ProgressSpanExt, ProgressStyle};

/// Options of [`write_nar`] and [`calculate_nar`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderOptions {
    /// Blobs fetched ahead of the one being written (at least 1).
    pub prefetch: usize,
    /// Blobs up to this size are prefetched whole; larger ones are opened
    /// ahead and streamed (their reader prefetches chunks itself). Bounds the
    /// memory of prefetching to about `prefetch * small_blob`.
    pub small_blob: u64,
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self {
            prefetch: 16,
            small_blob: 1024 * 1024,
        }
    }
}

/// Why a tree could not be rendered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// The directory closure could not be fetched (a missing directory is
    /// [`DirectoryError::NotFound`] naming it).
    #[error("cannot fetch directories")]
    Directories(#[source] DirectoryError),
    /// A directory the tree refers to is missing from its closure.
    #[error("directory {0} is missing")]
    DirectoryMissing(B3Digest),
    /// A blob could not be read.
    #[error("cannot read blob {digest}")]
    Blob {
        /// The blob.
        digest: B3Digest,
        /// Why.
        #[source]
        source: BlobError,
    },
    /// A blob is missing.
    #[error("blob {0} is missing")]
    BlobMissing(B3Digest),
    /// A blob's length differs from its file node's size.
    #[error("blob {digest} has {actual} bytes, but the file node says {expected}")]
    SizeMismatch {
        /// The blob.
        digest: B3Digest,
        /// The node's size.
        expected: u64,
        /// The blob's length.
        actual: u64,
    },
    /// Reading a blob's contents failed.
    #[error("cannot read blob {digest}")]
    Read {
        /// The blob.
        digest: B3Digest,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Writing the NAR failed.
    #[error("cannot write the NAR")]
    Write(#[source] writer::Error),
}

/// A NAR's size and SHA-256.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NarSummary {
    /// Size in bytes.
    pub nar_size: u64,
    /// SHA-256.
    pub nar_sha256: [u8; 32],
}

/// A blob ready to be written: whole in memory, or an open reader.
enum Contents {
    Bytes(Bytes),
    Reader(Box<BlobReader>),
}

/// The directories of `root`'s closure by digest.
pub(super) async fn fetch_closure(
    store: &Store,
    root: &Node,
) -> Result<HashMap<B3Digest, Directory>, RenderError> {
    let Node::Directory { digest, .. } = root else {
        return Ok(HashMap::new());
    };
    let dirs = store
        .directories()
        .get_closure(digest)
        .await
        .map_err(RenderError::Directories)?;
    Ok(dirs.into_iter().map(|d| (d.digest(), d)).collect())
}

/// The file nodes of the tree in NAR order: (digest, size).
fn files_in_order(
    root: &Node,
    dirs: &HashMap<B3Digest, Directory>,
) -> Result<Vec<(B3Digest, u64)>, RenderError> {
    let mut out = Vec::new();
    // An explicit stack, entries pushed in reverse so they pop in name order.
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        match n {
            Node::File { digest, size, .. } => out.push((*digest, *size)),
            Node::Symlink { .. } => {}
            Node::Directory { digest, .. } => {
                let d = dirs
                    .get(digest)
                    .ok_or(RenderError::DirectoryMissing(*digest))?;
                let children: Vec<&Node> = d.entries().map(|(_, n)| n).collect();
                stack.extend(children.into_iter().rev());
            }
        }
    }
    Ok(out)
}

/// Fetches one blob: whole if small, else opened.
async fn fetch(
    store: Store,
    digest: B3Digest,
    size: u64,
    small: u64,
) -> Result<Contents, RenderError> {
    let blob_err = |source| RenderError::Blob { digest, source };
    if size <= small {
        // A blob of one chunk (every small file) is that chunk: fetch it
        // directly, without a reader's copy.
        let meta = store
            .blobs()
            .stat(&digest)
            .await
            .map_err(blob_err)?
            .ok_or(RenderError::BlobMissing(digest))?;
        if let [chunk] = meta.chunks.as_slice() {
            let data = store
                .chunks()
                .get(&chunk.digest)
                .await
                .map_err(|e| blob_err(e.into()))?
                .ok_or(RenderError::BlobMissing(digest))?;
            if data.len() as u64 != size {
                return Err(RenderError::SizeMismatch {
                    digest,
                    expected: size,
                    actual: data.len() as u64,
                });
            }
            if chunk.digest != digest || B3Digest::of(&data) != digest {
                return Err(RenderError::Read {
                    digest,
                    source: std::io::Error::other(format!(
                        "the blob's only chunk {} does not hash to the blob digest",
                        chunk.digest
                    )),
                });
            }
            return Ok(Contents::Bytes(data));
        }
    }
    let mut r = store
        .open_read(&digest)
        .await
        .map_err(blob_err)?
        .ok_or(RenderError::BlobMissing(digest))?;
    if r.len() != size {
        return Err(RenderError::SizeMismatch {
            digest,
            expected: size,
            actual: r.len(),
        });
    }
    if size > small {
        return Ok(Contents::Reader(Box::new(r)));
    }
    let mut buf = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    r.read_to_end(&mut buf)
        .await
        .map_err(|source| RenderError::Read { digest, source })?;
    Ok(Contents::Bytes(buf.into()))
}

/// A spawned [`fetch`], aborted when dropped (a failed render stops its
/// prefetches).
struct FetchTask(tokio::task::JoinHandle<Result<Contents, RenderError>>);

impl Drop for FetchTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl std::future::Future for FetchTask {
    type Output = Result<Result<Contents, RenderError>, tokio::task::JoinError>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx)
    }
}

/// Copy buffer for streamed blobs (the BLAKE3-verified chunks are 128 KiB to
/// 512 KiB by default, so this takes most of a chunk per write).
const COPY_BUF: usize = 256 * 1024;

type BlobStream<'a> = Pin<Box<dyn Stream<Item = Result<Contents, RenderError>> + Send + 'a>>;

/// Writes the NAR of `root` (whose contents are in `store`) to `w` and
/// returns `w`.
pub async fn write_nar<W: AsyncWrite + Unpin + Send>(
    w: W,
    root: &Node,
    store: &Store,
    opts: RenderOptions,
) -> Result<W, RenderError> {
    let dirs = fetch_closure(store, root).await?;
    let files = files_in_order(root, &dirs)?;
    let small = opts.small_blob;
    // Each fetch is a task of its own, so reading and decompressing the next
    // blobs runs on other workers while this one writes.
    let mut blobs: BlobStream<'_> = Box::pin(
        futures::stream::iter(files)
            .map(|(digest, size)| {
                let task = FetchTask(tokio::spawn(fetch(store.clone(), digest, size, small)));
                async move {
                    task.await.unwrap_or_else(|join| {
                        Err(RenderError::Read {
                            digest,
                            source: std::io::Error::other(join),
                        })
                    })
                }
            })
            .buffered(opts.prefetch.max(1)),
    );
    let mut nar = nar::Writer::new(w);
    let node = nar.root().await.map_err(RenderError::Write)?;
    write_node(node, root, &dirs, &mut blobs).await?;
    nar.finish().await.map_err(RenderError::Write)
}

fn write_node<'a, 'w, W: AsyncWrite + Unpin + Send>(
    out: nar::Node<'w, W>,
    node: &'a Node,
    dirs: &'a HashMap<B3Digest, Directory>,
    blobs: &'a mut BlobStream<'_>,
) -> Pin<Box<dyn std::future::Future<Output = Result<(), RenderError>> + Send + 'a>>
where
    'w: 'a,
{
    Box::pin(async move {
        match node {
            Node::Symlink { target } => out
                .symlink(target.as_bytes())
                .await
                .map_err(RenderError::Write),
            Node::File {
                digest,
                size,
                executable,
            } => {
                // Invariant: the stream yields one item per file, in this order.
                let contents = blobs
                    .next()
                    .await
                    .ok_or(RenderError::BlobMissing(*digest))??;
                let io = |e: std::io::Error| RenderError::Write(e.into());
                let mut fw = out
                    .file_writer(*executable, *size)
                    .await
                    .map_err(RenderError::Write)?;
                match contents {
                    // One write for the whole blob: writers such as tokio's
                    // stdout pay a blocking hop per write.
                    Contents::Bytes(b) => fw.write_all(&b).await.map_err(io)?,
                    Contents::Reader(mut r) => {
                        let mut buf = vec![0u8; COPY_BUF];
                        while fw.remaining() > 0 {
                            let want = usize::try_from(fw.remaining())
                                .map_or(COPY_BUF, |n| n.min(COPY_BUF));
                            let n = r.read(&mut buf[..want]).await.map_err(|source| {
                                RenderError::Read {
                                    digest: *digest,
                                    source,
                                }
                            })?;
                            if n == 0 {
                                break;
                            }
                            fw.write_all(&buf[..n]).await.map_err(io)?;
                        }
                    }
                }
                // Fails naming the shortfall if the blob ended early.
                fw.close().await.map_err(RenderError::Write)
            }
            Node::Directory { digest, .. } => {
                let d = dirs
                    .get(digest)
                    .ok_or(RenderError::DirectoryMissing(*digest))?;
                let mut dir = out.directory().await.map_err(RenderError::Write)?;
                for (name, child) in d.entries() {
                    let entry = dir
                        .entry(name.as_bytes())
                        .await
                        .map_err(RenderError::Write)?;
                    write_node(entry, child, dirs, blobs).await?;
                }
                dir.close().await.map_err(RenderError::Write)
            }
        }
    })
}

/// An [`AsyncWrite`] sink computing SHA-256 and length, advancing the
/// progress bar of `span` by what it is given.
struct HashingSink {
    hasher: Sha256,
    len: u64,
    span: tracing::Span,
}

impl AsyncWrite for HashingSink {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        this.hasher.update(buf);
        this.len += buf.len() as u64;
        this.span.progress_inc(buf.len() as u64);
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(
        self: Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(
        self: Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// The NAR size and SHA-256 of `root`, computed by rendering it into a
/// hasher, under a progress span counting NAR bytes.
pub async fn calculate_nar(
    root: &Node,
    store: &Store,
    opts: RenderOptions,
) -> Result<NarSummary, RenderError> {
    let span = tvix_tracing::progress_span!("nar_hash");
    span.progress_set_style(ProgressStyle::ByteStream);
    let sink = HashingSink {
        hasher: Sha256::new(),
        len: 0,
        span: span.clone(),
    };
    let sink = write_nar(sink, root, store, opts).instrument(span).await?;
    Ok(NarSummary {
        nar_size: sink.len,
        nar_sha256: sink.hasher.finalize().into(),
    })
}
