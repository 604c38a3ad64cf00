//! Ingesting a NAR stream into castore (see the [module docs](super)).

use std::{
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use nix_compat::{
    nar::reader::{self, r#async as nar},
    nixhash::{CAHash, Hasher, NixHash},
};
use sha2::{Digest, Sha256};
use tokio::{
    io::{AsyncBufRead, AsyncRead, AsyncReadExt, BufReader, ReadBuf},
    sync::Semaphore,
    task::JoinSet,
};
use tvix_castore::{
    B3Digest, BlobError, ClosureBuilder, ClosureError, Directory, DirectoryError,
    DirectoryValidationError, Name, NameError, Node, Store, SymlinkTarget, SymlinkTargetError,
};

/// Options of [`ingest_nar`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IngestOptions {
    /// Files up to this size are read into memory and uploaded in the
    /// background; larger ones are streamed into a blob writer in place.
    pub small_file: u64,
    /// Bytes of small files buffered for background upload at most.
    pub buffer_budget: u64,
}

impl Default for IngestOptions {
    fn default() -> Self {
        Self {
            small_file: 1024 * 1024,
            buffer_budget: 64 * 1024 * 1024,
        }
    }
}

/// What the caller knows about the NAR; every given value is checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExpectedNar {
    /// The NAR's size.
    pub nar_size: Option<u64>,
    /// The NAR's SHA-256.
    pub nar_sha256: Option<[u8; 32]>,
    /// The content address: `fixed:r:` hashes the NAR, `fixed:` and `text:`
    /// the contents of the root, which must then be a regular file.
    pub ca: Option<CAHash>,
}

/// The result of [`ingest_nar`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestedNar {
    /// The root node (its closure and blobs are stored).
    pub node: Node,
    /// The NAR's size.
    pub nar_size: u64,
    /// The NAR's SHA-256.
    pub nar_sha256: [u8; 32],
}

/// Why a NAR could not be ingested.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    /// The NAR is malformed, or reading it failed.
    #[error("cannot read the NAR")]
    Nar(#[source] reader::Error),
    /// Reading the input failed.
    #[error("cannot read the NAR")]
    Io(#[source] std::io::Error),
    /// Bytes follow the end of the NAR.
    #[error("unexpected data after the end of the NAR (at byte {0})")]
    TrailingData(u64),
    /// An entry name castore cannot store.
    #[error("invalid entry name in the NAR")]
    Name(#[source] NameError),
    /// A symlink target castore cannot store.
    #[error("invalid symlink target in the NAR")]
    SymlinkTarget(#[source] SymlinkTargetError),
    /// A directory castore cannot describe.
    #[error("invalid directory in the NAR")]
    Directory(#[source] DirectoryValidationError),
    /// Uploading a blob failed.
    #[error("cannot upload file contents")]
    Upload(#[source] BlobError),
    /// Assembling the directory closure failed.
    #[error("cannot assemble directories")]
    Closure(#[source] ClosureError),
    /// Storing the directories failed.
    #[error("cannot store directories")]
    Directories(#[source] DirectoryError),
    /// The NAR size differs from the expected one.
    #[error("NAR size mismatch: expected {expected}, got {actual}")]
    SizeMismatch {
        /// Expected.
        expected: u64,
        /// Actual.
        actual: u64,
    },
    /// The NAR hash, or the content address, differs from the expected one.
    #[error("hash mismatch: expected {}, got {}", expected.to_sri(), actual.to_sri())]
    HashMismatch {
        /// Expected.
        expected: NixHash,
        /// Actual.
        actual: NixHash,
    },
    /// A flat or text content address for a NAR whose root is not a file.
    #[error("content address {0} needs the NAR's root to be a regular file")]
    CaNeedsFile(CAHash),
    /// An internal failure (a background upload panicked).
    #[error("internal error")]
    Internal(#[source] tokio::task::JoinError),
}

/// An I/O error from reading file contents: a NAR error if it is one.
fn io_err(e: std::io::Error) -> IngestError {
    match reader::Error::from_io(e) {
        Ok(nar) => IngestError::Nar(nar),
        Err(io) => IngestError::Io(io),
    }
}

/// Hashes (SHA-256, and the content address's algorithm for `fixed:r:`) and
/// counts everything read through it.
struct HashingReader<R> {
    inner: R,
    sha256: Sha256,
    ca: Option<Hasher>,
    len: u64,
}

impl<R: AsyncRead + Unpin> AsyncRead for HashingReader<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let res = Pin::new(&mut this.inner).poll_read(cx, buf);
        let new = &buf.filled()[before..];
        this.sha256.update(new);
        if let Some(h) = &mut this.ca {
            h.update(new);
        }
        this.len += new.len() as u64;
        res
    }
}

/// Shared state of one ingestion.
struct Ingest<'s> {
    store: &'s Store,
    opts: IngestOptions,
    budget: Arc<Semaphore>,
    uploads: JoinSet<Result<(), BlobError>>,
    closure: ClosureBuilder,
    /// Hashes the root file's contents for flat and text content addresses.
    root_hasher: Option<Hasher>,
}

/// Reads the NAR from `r` into `store` and returns its root node, size and
/// SHA-256, after checking them against `expected`. The stream must end with
/// the NAR. Blobs and directories are stored before this returns; on error,
/// some blobs may have been stored (they are unreferenced).
pub async fn ingest_nar<R: AsyncRead + Unpin + Send>(
    store: &Store,
    r: R,
    expected: &ExpectedNar,
    opts: IngestOptions,
) -> Result<IngestedNar, IngestError> {
    let nar_ca_hasher = match &expected.ca {
        Some(CAHash::Nar(h)) => Some(Hasher::new(h.algo())),
        _ => None,
    };
    let root_hasher = match &expected.ca {
        Some(ca @ (CAHash::Flat(_) | CAHash::Text(_))) => Some(Hasher::new(ca.algo())),
        _ => None,
    };
    let hashing = HashingReader {
        inner: r,
        sha256: Sha256::new(),
        ca: nar_ca_hasher,
        len: 0,
    };
    let mut st = Ingest {
        store,
        opts,
        // Budgets above u32::MAX permits are clamped (Semaphore counts in usize
        // but acquire_many takes u32).
        budget: Arc::new(Semaphore::new(
            usize::try_from(opts.buffer_budget.min(u64::from(u32::MAX))).unwrap_or(usize::MAX),
        )),
        uploads: JoinSet::new(),
        closure: ClosureBuilder::new(),
        root_hasher,
    };
    let mut reader = nar::Reader::new(BufReader::new(hashing));
    let root = reader.root().await.map_err(IngestError::Nar)?;
    let is_root_file = matches!(root, nar::Node::File { .. });
    let node = ingest_node(&mut st, root, true).await?;
    let nar_size = reader.finish().await.map_err(IngestError::Nar)?;
    let mut buffered = reader.into_inner();
    let mut probe = [0u8; 1];
    let n = buffered.read(&mut probe).await.map_err(io_err)?;
    if n > 0 {
        return Err(IngestError::TrailingData(nar_size));
    }
    let hashing = buffered.into_inner();
    while let Some(res) = st.uploads.join_next().await {
        res.map_err(IngestError::Internal)?
            .map_err(IngestError::Upload)?;
    }
    let nar_sha256: [u8; 32] = hashing.sha256.finalize().into();
    if let Some(size) = expected.nar_size {
        if size != nar_size {
            return Err(IngestError::SizeMismatch {
                expected: size,
                actual: nar_size,
            });
        }
    }
    if let Some(h) = expected.nar_sha256 {
        if h != nar_sha256 {
            return Err(IngestError::HashMismatch {
                expected: NixHash::Sha256(h),
                actual: NixHash::Sha256(nar_sha256),
            });
        }
    }
    match &expected.ca {
        Some(CAHash::Nar(h)) => {
            // Invariant: a hasher was set up above for a `fixed:r:` address.
            let actual = hashing.ca.map(Hasher::finalize);
            if actual.as_ref() != Some(h) {
                return Err(IngestError::HashMismatch {
                    expected: h.clone(),
                    actual: actual.unwrap_or_else(|| h.clone()),
                });
            }
        }
        Some(ca @ (CAHash::Flat(_) | CAHash::Text(_))) => {
            if !is_root_file {
                return Err(IngestError::CaNeedsFile(ca.clone()));
            }
            let actual = st.root_hasher.take().map(Hasher::finalize);
            let want = ca.hash();
            if actual.as_ref() != Some(&want) {
                return Err(IngestError::HashMismatch {
                    expected: want.clone(),
                    actual: actual.unwrap_or(want),
                });
            }
        }
        None => {}
    }
    // Blobs durable before any directory (or the caller) refers to them.
    store.blobs().sync().await.map_err(IngestError::Upload)?;
    if let Node::Directory { .. } = node {
        let closure = std::mem::take(&mut st.closure)
            .build()
            .map_err(IngestError::Closure)?;
        store
            .directories()
            .put_closure(closure)
            .await
            .map_err(IngestError::Directories)?;
    }
    Ok(IngestedNar {
        node,
        nar_size,
        nar_sha256,
    })
}

fn ingest_node<'a, 'r, R: AsyncBufRead + Unpin + Send>(
    st: &'a mut Ingest<'_>,
    node: nar::Node<'r, R>,
    is_root: bool,
) -> Pin<Box<dyn std::future::Future<Output = Result<Node, IngestError>> + Send + 'a>>
where
    'r: 'a,
{
    Box::pin(async move {
        match node {
            nar::Node::Symlink { target } => Ok(Node::Symlink {
                target: SymlinkTarget::new(target.to_vec()).map_err(IngestError::SymlinkTarget)?,
            }),
            nar::Node::File {
                executable,
                mut reader,
            } => {
                let size = reader.len();
                let hash_root = is_root && st.root_hasher.is_some();
                let digest = if size <= st.opts.small_file {
                    upload_small(st, &mut reader, size, hash_root).await?
                } else {
                    upload_large(st, &mut reader, hash_root).await?
                };
                Ok(Node::File {
                    digest,
                    size,
                    executable,
                })
            }
            nar::Node::Directory(mut entries) => {
                let mut dir = Directory::new();
                while let Some(entry) = entries.next().await.map_err(IngestError::Nar)? {
                    let name = Name::new(entry.name.to_vec()).map_err(IngestError::Name)?;
                    let child = ingest_node(st, entry.node, false).await?;
                    dir.add(name, child).map_err(IngestError::Directory)?;
                }
                let size = dir.size();
                let digest = st.closure.add(dir).map_err(IngestError::Closure)?;
                Ok(Node::Directory { digest, size })
            }
        }
    })
}

/// Reads a small file into memory (within the budget) and uploads it in the
/// background; its digest is computed here.
async fn upload_small<R: AsyncRead + Unpin>(
    st: &mut Ingest<'_>,
    reader: &mut R,
    size: u64,
    hash_root: bool,
) -> Result<B3Digest, IngestError> {
    let permits = u32::try_from(size.max(1)).unwrap_or(u32::MAX);
    // The semaphore is never closed, so acquiring only waits.
    let permit = st
        .budget
        .clone()
        .acquire_many_owned(permits)
        .await
        .map_err(|e| IngestError::Upload(BlobError::storage(st.store.name(), e)))?;
    let mut data = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    reader.read_to_end(&mut data).await.map_err(io_err)?;
    if hash_root {
        if let Some(h) = &mut st.root_hasher {
            h.update(&data);
        }
    }
    let digest = B3Digest::of(&data);
    let store = st.store.clone();
    st.uploads.spawn(async move {
        let _permit = permit;
        let written = store.put_blob(&data).await?;
        if written != digest {
            return Err(BlobError::corrupt(
                store.name(),
                digest,
                format!("the store computed {written}"),
            ));
        }
        Ok(())
    });
    Ok(digest)
}

/// Streams a large file into a blob writer.
async fn upload_large<R: AsyncRead + Unpin>(
    st: &mut Ingest<'_>,
    reader: &mut R,
    hash_root: bool,
) -> Result<B3Digest, IngestError> {
    let mut w = st.store.open_write();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = reader.read(&mut buf).await.map_err(io_err)?;
        if n == 0 {
            break;
        }
        if hash_root {
            if let Some(h) = &mut st.root_hasher {
                h.update(&buf[..n]);
            }
        }
        w.write(&buf[..n]).await.map_err(IngestError::Upload)?;
    }
    w.close().await.map_err(IngestError::Upload)
}
