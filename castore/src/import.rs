//! Importing a local file tree into a [`Store`].
//!
//! [`import_path`] walks the tree (never following symlinks, not even at the
//! root), then one blocking thread reads every file once, in NAR order, and
//! hands the contents to uploads running concurrently (eight times
//! [`ImportOptions::concurrency`] files in flight; files up to 64 KiB are read
//! whole, larger ones in pieces streamed through a
//! [`BlobWriter`](crate::BlobWriter), so memory stays bounded whatever the
//! file sizes). [`import_path_observed`] shows the tree, contents included, to
//! an [`ImportObserver`] during that same read (the store layer computes the
//! NAR hash that way). Then the blobs are synced, the directories built
//! bottom-up and stored as one closure, leaves first. It returns the root
//! [`Node`]: a directory, or for a single file its blob, or a symlink.
//! Sockets, FIFOs and device files are an error naming the path; a file whose
//! size changes while it is read is an error too.
//!
//! Executable means "user execute bit set", as Nix. Names are the raw bytes of
//! the file names.
//!
//! [`tar::import_tar`] (feature `tar`) imports a tar archive as a stream.

use std::{
    collections::HashMap,
    os::unix::{ffi::OsStrExt, fs::PermissionsExt},
    path::{Path, PathBuf},
    sync::Arc,
};

use std::io::Read;

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use tracing::Instrument;
use tvix_tracing::ProgressSpanExt;

use crate::{
    B3Digest, BlobError, ClosureBuilder, ClosureError, Directory, DirectoryError,
    DirectoryValidationError, Name, NameError, Node, Store, SymlinkTarget, SymlinkTargetError,
    refscan::ReferenceScanner,
};

/// Options of [`import_path`].
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Files in flight are eight times this (at least 1). One thread reads
    /// the tree; files up to 64 KiB are read whole, larger ones in pieces
    /// (at most 1 MiB read ahead of each one's upload).
    pub concurrency: usize,
    /// If set, file contents and symlink targets are scanned for its needles;
    /// read the result from the scanner afterwards.
    pub scanner: Option<Arc<ReferenceScanner>>,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self {
            concurrency: 8,
            scanner: None,
        }
    }
}

/// Why an import failed. Each variant names the path concerned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// Reading the tree failed.
    #[error("cannot read {path}")]
    Io {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A socket, FIFO or device file.
    #[error(
        "{path}: unsupported file type (only regular files, directories and symlinks can be imported)"
    )]
    UnsupportedFileType {
        /// The path.
        path: PathBuf,
    },
    /// A file name castore cannot store.
    #[error("{path}: invalid name")]
    InvalidName {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: NameError,
    },
    /// A symlink target castore cannot store.
    #[error("{path}: invalid symlink target")]
    InvalidSymlinkTarget {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: SymlinkTargetError,
    },
    /// A directory too large to describe.
    #[error("{path}: invalid directory")]
    InvalidDirectory {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: DirectoryValidationError,
    },
    /// Uploading a file failed.
    #[error("{path}: cannot upload")]
    Upload {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: BlobError,
    },
    /// Building the closure failed (an internal inconsistency).
    #[error("cannot assemble the directory closure")]
    Closure(#[source] ClosureError),
    /// Storing the directories failed.
    #[error("cannot store directories")]
    Directories(#[source] DirectoryError),
    /// The [`ImportObserver`] failed.
    #[error("{path}: the import observer failed")]
    Observer {
        /// The path being read.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

#[derive(Clone, Copy)]
enum Kind {
    File { executable: bool, len: u64 },
    Dir,
    Symlink,
}

struct Entry {
    path: PathBuf,
    depth: usize,
    kind: Kind,
}

/// Sees an imported tree in NAR order while it is read: the root node first
/// (name `None`), a directory's entries in byte order of their names, each
/// file's contents as they are read (the same bytes that are stored). Called
/// on the one thread that reads the tree, so whatever it computes (a NAR
/// hash) comes from the same single read as the upload.
pub trait ImportObserver: Send {
    /// A directory starts; its entries follow, then [`directory_end`](Self::directory_end).
    fn directory_start(&mut self, name: Option<&[u8]>) -> std::io::Result<()>;
    /// The innermost open directory ends.
    fn directory_end(&mut self) -> std::io::Result<()>;
    /// A symlink.
    fn symlink(&mut self, name: Option<&[u8]>, target: &[u8]) -> std::io::Result<()>;
    /// A regular file of `len` bytes starts; its contents follow in pieces.
    fn file_start(
        &mut self,
        name: Option<&[u8]>,
        executable: bool,
        len: u64,
    ) -> std::io::Result<()>;
    /// The next piece of the open file.
    fn file_data(&mut self, data: &[u8]) -> std::io::Result<()>;
    /// The open file ends.
    fn file_end(&mut self) -> std::io::Result<()>;
}

/// An observer that ignores everything.
struct NoObserver;

impl ImportObserver for NoObserver {
    fn directory_start(&mut self, _: Option<&[u8]>) -> std::io::Result<()> {
        Ok(())
    }
    fn directory_end(&mut self) -> std::io::Result<()> {
        Ok(())
    }
    fn symlink(&mut self, _: Option<&[u8]>, _: &[u8]) -> std::io::Result<()> {
        Ok(())
    }
    fn file_start(&mut self, _: Option<&[u8]>, _: bool, _: u64) -> std::io::Result<()> {
        Ok(())
    }
    fn file_data(&mut self, _: &[u8]) -> std::io::Result<()> {
        Ok(())
    }
    fn file_end(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Imports the tree at `path` into `store` and returns its root node.
pub async fn import_path(
    store: &Store,
    path: &Path,
    opts: ImportOptions,
) -> Result<Node, ImportError> {
    import_path_observed(store, path, opts, NoObserver)
        .await
        .map(|(node, _)| node)
}

/// Imports the tree at `path` into `store`, showing it to `observer` as it is
/// read (see [`ImportObserver`]); returns the root node and the observer.
pub async fn import_path_observed<O: ImportObserver + 'static>(
    store: &Store,
    path: &Path,
    opts: ImportOptions,
    observer: O,
) -> Result<(Node, O), ImportError> {
    let span =
        tvix_tracing::progress_span!("import", path = %path.display(), store = %store.name());
    span.progress_set_style(tvix_tracing::ProgressStyle::Bytes);
    async {
        let root = path.to_owned();
        let entries = tokio::task::spawn_blocking(move || walk(&root))
            .await
            .map_err(|e| ImportError::Io {
                path: path.to_owned(),
                source: std::io::Error::other(e),
            })??;
        let total: u64 = entries
            .iter()
            .map(|e| match e.kind {
                Kind::File { len, .. } => len,
                _ => 0,
            })
            .sum();
        tracing::Span::current().progress_set_length(total);
        let entries = Arc::new(entries);
        let (blobs, links, observer) = upload_files(store, &entries, &opts, observer).await?;
        // Blobs durable before any directory (or the caller) refers to them.
        store
            .blobs()
            .sync()
            .await
            .map_err(|source| ImportError::Upload {
                path: path.to_owned(),
                source,
            })?;
        let entries = Arc::try_unwrap(entries).unwrap_or_else(|a| {
            a.iter()
                .map(|e| Entry {
                    path: e.path.clone(),
                    depth: e.depth,
                    kind: e.kind,
                })
                .collect()
        });
        let node = assemble(store, entries, blobs, links).await?;
        Ok((node, observer))
    }
    .instrument(span.clone())
    .await
}

/// Lists the tree in NAR order: each directory before its entries, entries
/// in byte order of their names, the root first.
fn walk(root: &Path) -> Result<Vec<Entry>, ImportError> {
    let mut out = Vec::new();
    let walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .follow_root_links(false)
        .contents_first(false)
        .sort_by(|a, b| a.file_name().as_bytes().cmp(b.file_name().as_bytes()));
    for e in walker {
        let e = e.map_err(|e| {
            let path = e.path().map_or_else(|| root.to_owned(), Path::to_owned);
            ImportError::Io {
                path,
                source: e.into(),
            }
        })?;
        let ft = e.file_type();
        let kind = if ft.is_dir() {
            Kind::Dir
        } else if ft.is_symlink() {
            Kind::Symlink
        } else if ft.is_file() {
            let m = e.metadata().map_err(|err| ImportError::Io {
                path: e.path().to_owned(),
                source: err.into(),
            })?;
            Kind::File {
                executable: m.permissions().mode() & 0o100 != 0,
                len: m.len(),
            }
        } else {
            return Err(ImportError::UnsupportedFileType {
                path: e.path().to_owned(),
            });
        };
        out.push(Entry {
            path: e.path().to_owned(),
            depth: e.depth(),
            kind,
        });
    }
    Ok(out)
}

/// Files up to this size are read whole and uploaded with one call; larger
/// ones are read in [`PIECE`]s and streamed through a blob writer.
const SMALL_FILE: u64 = 64 * 1024;
/// How many times [`ImportOptions::concurrency`] files may be in flight.
const SMALL_FILE_FANOUT: usize = 8;
/// The read size of large files.
const PIECE: usize = 256 * 1024;
/// Pieces of one large file read ahead of its upload.
const PIECES_AHEAD: usize = 4;

/// What the reading thread hands to the uploads.
enum Job {
    /// A whole small file.
    Small { idx: usize, data: Bytes },
    /// A large file of `len` bytes, arriving in pieces.
    Large {
        idx: usize,
        len: u64,
        pieces: tokio::sync::mpsc::Receiver<Bytes>,
    },
}

/// Uploaded blobs by entry index: (digest, size).
type Blobs = HashMap<usize, (B3Digest, u64)>;
/// Symlink targets by entry index.
type Links = HashMap<usize, Vec<u8>>;

/// Reads and uploads every file: one blocking thread reads the tree in NAR
/// order (each file once), shows it to `observer`, and hands the contents
/// to uploads that run concurrently (at most `concurrency *
/// SMALL_FILE_FANOUT` files in flight; a large file holds at most
/// [`PIECES_AHEAD`] pieces). Returns the blobs, the symlink targets and the
/// observer.
async fn upload_files<O: ImportObserver + 'static>(
    store: &Store,
    entries: &Arc<Vec<Entry>>,
    opts: &ImportOptions,
    mut observer: O,
) -> Result<(Blobs, Links, O), ImportError> {
    let span = tracing::Span::current();
    let in_flight = opts.concurrency.max(1).saturating_mul(SMALL_FILE_FANOUT);
    let (jobs_tx, jobs_rx) = tokio::sync::mpsc::channel(in_flight);
    let reader = {
        let entries = entries.clone();
        let scanner = opts.scanner.clone();
        tokio::task::spawn_blocking(move || {
            let r = read_tree(&entries, &mut observer, &jobs_tx, scanner.as_ref());
            (r, observer)
        })
    };
    let uploads: Result<Blobs, ImportError> = tokio_stream::wrappers::ReceiverStream::new(jobs_rx)
        .map(|job| {
            let span = span.clone();
            async move {
                let (idx, uploaded) = match job {
                    Job::Small { idx, data } => {
                        let size = data.len() as u64;
                        (idx, store.put_blob(&data).await.map(|d| (d, size)))
                    }
                    Job::Large {
                        idx,
                        len,
                        mut pieces,
                    } => (idx, upload_pieces(store, len, &mut pieces).await),
                };
                let (digest, size) = uploaded.map_err(|source| ImportError::Upload {
                    path: entries[idx].path.clone(),
                    source,
                })?;
                span.progress_inc(size);
                Ok::<_, ImportError>((idx, (digest, size)))
            }
        })
        .buffer_unordered(in_flight)
        .try_collect()
        .await;
    let (read, observer) = reader.await.map_err(|e| ImportError::Io {
        path: entries.first().map(|e| e.path.clone()).unwrap_or_default(),
        source: std::io::Error::other(e),
    })?;
    // A reading error explains an incomplete upload: it comes first.
    match (read, uploads) {
        (Err(e), _) => Err(e),
        (Ok(_), Err(e)) => Err(e),
        (Ok(None), Ok(_)) => Err(ImportError::Io {
            path: entries.first().map(|e| e.path.clone()).unwrap_or_default(),
            source: std::io::Error::other("the uploads stopped early"),
        }),
        (Ok(Some(links)), Ok(blobs)) => Ok((blobs, links, observer)),
    }
}

/// Uploads a large file arriving in pieces; fails unless exactly `len`
/// bytes arrive (fewer: the reading thread failed and says why).
async fn upload_pieces(
    store: &Store,
    len: u64,
    pieces: &mut tokio::sync::mpsc::Receiver<Bytes>,
) -> Result<(B3Digest, u64), BlobError> {
    let mut w = store.open_write();
    let mut total = 0u64;
    while let Some(piece) = pieces.recv().await {
        total += piece.len() as u64;
        w.write(&piece).await?;
    }
    if total != len {
        return Err(BlobError::storage(
            store.name(),
            format!("got {total} of {len} bytes"),
        ));
    }
    Ok((w.close().await?, total))
}

/// The reading thread (see [`upload_files`]). Returns the symlink targets,
/// or `None` if the uploads stopped taking jobs (they failed and say why).
fn read_tree<O: ImportObserver>(
    entries: &[Entry],
    observer: &mut O,
    jobs: &tokio::sync::mpsc::Sender<Job>,
    scanner: Option<&Arc<ReferenceScanner>>,
) -> Result<Option<Links>, ImportError> {
    let mut links = HashMap::new();
    // Depths of the open directories, innermost last.
    let mut open: Vec<usize> = Vec::new();
    for (idx, e) in entries.iter().enumerate() {
        let io = |source| ImportError::Io {
            path: e.path.clone(),
            source,
        };
        let obs = |source| ImportError::Observer {
            path: e.path.clone(),
            source,
        };
        while open.last().is_some_and(|&d| d >= e.depth) {
            open.pop();
            observer.directory_end().map_err(obs)?;
        }
        let name = (e.depth > 0)
            .then(|| e.path.file_name().map(OsStrExt::as_bytes))
            .flatten();
        match e.kind {
            Kind::Dir => {
                observer.directory_start(name).map_err(obs)?;
                open.push(e.depth);
            }
            Kind::Symlink => {
                let t = std::fs::read_link(&e.path).map_err(io)?;
                let t = t.as_os_str().as_bytes().to_vec();
                if let Some(s) = scanner {
                    s.scan(&t);
                }
                observer.symlink(name, &t).map_err(obs)?;
                links.insert(idx, t);
            }
            Kind::File { executable, len } if len <= SMALL_FILE => {
                let data = std::fs::read(&e.path).map_err(io)?;
                if let Some(s) = scanner {
                    s.scan(&data);
                }
                observer
                    .file_start(name, executable, data.len() as u64)
                    .map_err(obs)?;
                observer.file_data(&data).map_err(obs)?;
                observer.file_end().map_err(obs)?;
                let job = Job::Small {
                    idx,
                    data: data.into(),
                };
                if jobs.blocking_send(job).is_err() {
                    return Ok(None);
                }
            }
            Kind::File { executable, len } => {
                let mut f = std::fs::File::open(&e.path).map_err(io)?;
                observer.file_start(name, executable, len).map_err(obs)?;
                let (tx, rx) = tokio::sync::mpsc::channel(PIECES_AHEAD);
                if jobs
                    .blocking_send(Job::Large {
                        idx,
                        len,
                        pieces: rx,
                    })
                    .is_err()
                {
                    return Ok(None);
                }
                let mut stream = scanner.map(|s| s.stream());
                let mut total = 0u64;
                loop {
                    // Read into fresh capacity: zeroing each piece first
                    // cost as much as the read.
                    let mut buf = Vec::with_capacity(PIECE);
                    let n = (&mut f)
                        .take(PIECE as u64)
                        .read_to_end(&mut buf)
                        .map_err(io)?;
                    if n == 0 {
                        break;
                    }
                    total += n as u64;
                    if total > len {
                        break;
                    }
                    let piece = Bytes::from(buf);
                    if let Some(s) = &mut stream {
                        s.feed(&piece);
                    }
                    observer.file_data(&piece).map_err(obs)?;
                    if tx.blocking_send(piece).is_err() {
                        return Ok(None);
                    }
                }
                if total != len {
                    return Err(io(std::io::Error::other(format!(
                        "the file changed while it was imported: {len} bytes when listed, \
                         {} when read",
                        if total > len {
                            format!("more than {len}")
                        } else {
                            total.to_string()
                        }
                    ))));
                }
                observer.file_end().map_err(obs)?;
            }
        }
    }
    for _ in open {
        observer
            .directory_end()
            .map_err(|source| ImportError::Observer {
                path: entries.first().map(|e| e.path.clone()).unwrap_or_default(),
                source,
            })?;
    }
    Ok(Some(links))
}

/// Builds directories bottom-up and stores them as one closure.
async fn assemble(
    store: &Store,
    entries: Vec<Entry>,
    blobs: Blobs,
    mut links: Links,
) -> Result<Node, ImportError> {
    let mut open: HashMap<PathBuf, Directory> = HashMap::new();
    let mut closure = ClosureBuilder::new();
    let mut root_node = None;
    // Entries are in NAR order: backwards, every entry comes before its
    // directory, and the root is last.
    for (i, e) in entries.into_iter().enumerate().rev() {
        let node = match e.kind {
            Kind::File { executable, .. } => {
                // Invariant: upload_files returns one result per file entry.
                let (digest, size) = blobs[&i];
                Node::File {
                    digest,
                    size,
                    executable,
                }
            }
            Kind::Symlink => {
                // Invariant: read_tree returns one target per symlink entry.
                let t = links.remove(&i).unwrap_or_default();
                let target =
                    SymlinkTarget::new(t).map_err(|source| ImportError::InvalidSymlinkTarget {
                        path: e.path.clone(),
                        source,
                    })?;
                Node::Symlink { target }
            }
            Kind::Dir => {
                let dir = open.remove(&e.path).unwrap_or_default();
                let size = dir.size();
                let digest = closure.add(dir).map_err(ImportError::Closure)?;
                Node::Directory { digest, size }
            }
        };
        if e.depth == 0 {
            root_node = Some(node);
            break;
        }
        let parent = e.path.parent().map(Path::to_owned).unwrap_or_default();
        let name = e
            .path
            .file_name()
            .map(|n| n.as_bytes().to_vec())
            .unwrap_or_default();
        let name = Name::new(name).map_err(|source| ImportError::InvalidName {
            path: e.path.clone(),
            source,
        })?;
        open.entry(parent.clone())
            .or_default()
            .add(name, node)
            .map_err(|source| ImportError::InvalidDirectory {
                path: parent,
                source,
            })?;
    }
    let root = root_node.ok_or_else(|| ImportError::Io {
        path: PathBuf::new(),
        source: std::io::Error::other("the walk returned no root entry"),
    })?;
    if let Node::Directory { .. } = root {
        let closure = closure.build().map_err(ImportError::Closure)?;
        store
            .directories()
            .put_closure(closure)
            .await
            .map_err(ImportError::Directories)?;
    }
    Ok(root)
}

#[cfg(feature = "tar")]
pub mod tar;

#[cfg(test)]
mod tests;
