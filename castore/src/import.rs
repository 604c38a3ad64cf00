//! Importing a local file tree into a [`Store`].
//!
//! [`import_path`] walks the tree (never following symlinks, not even at the
//! root), uploads file contents concurrently ([`ImportOptions::concurrency`]
//! large files at a time, each streamed through a [`BlobWriter`](crate::BlobWriter),
//! so memory stays bounded whatever the file sizes; files up to 64 KiB are
//! read whole and eight times as many are in flight), then builds the
//! directories bottom-up and stores them as one closure, leaves first. It
//! returns the root [`Node`]: a directory, or for a single file its blob, or a
//! symlink. Sockets, FIFOs and device files are an error naming the path.
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

use futures::{StreamExt, TryStreamExt};
use tracing::Instrument;
use tvix_tracing::ProgressSpanExt;

use crate::{
    B3Digest, BlobError, ClosureBuilder, ClosureError, Directory, DirectoryError,
    DirectoryValidationError, Name, NameError, Node, Store, SymlinkTarget, SymlinkTargetError,
    refscan::{ReferenceScanner, ScanningReader},
};

/// Options of [`import_path`].
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Files over 64 KiB uploaded at the same time (at least 1); eight times
    /// as many files in all may be in flight (small ones are read whole).
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
}

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

/// Imports the tree at `path` into `store` and returns its root node.
pub async fn import_path(
    store: &Store,
    path: &Path,
    opts: ImportOptions,
) -> Result<Node, ImportError> {
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
        let blobs = upload_files(store, &entries, &opts).await?;
        assemble(store, entries, blobs, opts.scanner.as_deref()).await
    }
    .instrument(span.clone())
    .await
}

/// Lists the tree, children before their directory, the root last.
fn walk(root: &Path) -> Result<Vec<Entry>, ImportError> {
    let mut out = Vec::new();
    let walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .follow_root_links(false)
        .contents_first(true)
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

/// Files up to this size are read whole in one blocking call and uploaded
/// with [`SMALL_FILE_FANOUT`] times the configured concurrency: they cost
/// little memory, and with many writers in flight the backend's group commit
/// makes one durable commit serve many of them.
const SMALL_FILE: u64 = 64 * 1024;
/// How many times [`ImportOptions::concurrency`] small files may be in flight.
const SMALL_FILE_FANOUT: usize = 8;

/// Uploads every file; returns (digest, size) by entry index. At most
/// `concurrency` files larger than [`SMALL_FILE`] are in flight (each streams
/// through a [`BlobWriter`](crate::BlobWriter)), and at most
/// `concurrency * SMALL_FILE_FANOUT` files in all.
async fn upload_files(
    store: &Store,
    entries: &[Entry],
    opts: &ImportOptions,
) -> Result<HashMap<usize, (B3Digest, u64)>, ImportError> {
    let span = tracing::Span::current();
    let concurrency = opts.concurrency.max(1);
    let large = tokio::sync::Semaphore::new(concurrency);
    let large = &large;
    futures::stream::iter(
        entries
            .iter()
            .enumerate()
            .filter_map(|(i, e)| match e.kind {
                Kind::File { len, .. } => Some((i, &e.path, len)),
                _ => None,
            }),
    )
    .map(|(i, path, len)| {
        let span = span.clone();
        async move {
            let io = |source| ImportError::Io {
                path: path.clone(),
                source,
            };
            let uploaded = if len <= SMALL_FILE {
                let data = tokio::fs::read(path).await.map_err(io)?;
                if let Some(s) = &opts.scanner {
                    s.scan(&data);
                }
                let size = data.len() as u64;
                store.put_blob(&data).await.map(|d| (d, size))
            } else {
                // Invariant: the semaphore is never closed.
                let _permit = large
                    .acquire()
                    .await
                    .map_err(|e| io(std::io::Error::other(e)))?;
                let f = tokio::fs::File::open(path).await.map_err(io)?;
                match &opts.scanner {
                    Some(s) => store.put_reader(ScanningReader::new(f, s)).await,
                    None => store.put_reader(f).await,
                }
            };
            let (digest, size) = uploaded.map_err(|source| ImportError::Upload {
                path: path.clone(),
                source,
            })?;
            span.progress_inc(size);
            Ok::<_, ImportError>((i, (digest, size)))
        }
    })
    .buffer_unordered(concurrency.saturating_mul(SMALL_FILE_FANOUT))
    .try_collect()
    .await
}

/// Builds directories bottom-up and stores them as one closure.
async fn assemble(
    store: &Store,
    entries: Vec<Entry>,
    blobs: HashMap<usize, (B3Digest, u64)>,
    scanner: Option<&ReferenceScanner>,
) -> Result<Node, ImportError> {
    let mut open: HashMap<PathBuf, Directory> = HashMap::new();
    let mut closure = ClosureBuilder::new();
    let mut root_node = None;
    for (i, e) in entries.into_iter().enumerate() {
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
                let t = std::fs::read_link(&e.path).map_err(|source| ImportError::Io {
                    path: e.path.clone(),
                    source,
                })?;
                if let Some(s) = scanner {
                    s.scan(t.as_os_str().as_bytes());
                }
                let target =
                    SymlinkTarget::new(t.as_os_str().as_bytes().to_vec()).map_err(|source| {
                        ImportError::InvalidSymlinkTarget {
                            path: e.path.clone(),
                            source,
                        }
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
