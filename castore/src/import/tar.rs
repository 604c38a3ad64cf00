//! Importing a tar archive (plain, gzip, bzip2, xz or zstd, detected from its
//! first bytes) as a stream into a [`Store`].
//!
//! The result is the directory the archive would extract to in an empty
//! directory: its top-level entries become the root's entries. Entries may come
//! in any order; missing parent directories are created; a later entry for the
//! same path replaces an earlier one (a directory entry for an existing
//! directory keeps its contents). Regular files (also GNU sparse and contiguous
//! ones) become blobs, streamed through a blob writer one at a time; hard links
//! take the node of their (earlier) target; symlinks keep their target.
//! Executable means the user execute bit of the entry's mode. Device files and
//! FIFOs are refused, as are absolute paths and paths with `..`. PAX and GNU
//! long-name headers are understood.

use std::collections::BTreeMap;

use futures::StreamExt;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio_tar::{Archive, EntryType};

use super::ImportOptions;
use crate::{
    BlobError, ClosureBuilder, ClosureError, Directory, DirectoryError, DirectoryValidationError,
    Name, NameError, Node, Store, SymlinkTarget, SymlinkTargetError, refscan::ScanningReader,
};

/// Why a tar import failed. Variants name the archive path concerned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TarImportError {
    /// Reading or decompressing the archive failed.
    #[error("cannot read the archive")]
    Io(#[source] std::io::Error),
    /// An entry could not be read.
    #[error("{path}: cannot read entry")]
    Entry {
        /// The entry's path.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// An absolute path, or one containing `..`.
    #[error("{0}: absolute paths and '..' are not allowed")]
    UnsafePath(String),
    /// An invalid path component.
    #[error("{path}: invalid name")]
    InvalidName {
        /// The entry's path.
        path: String,
        /// Why.
        #[source]
        source: NameError,
    },
    /// A device file, FIFO or other unsupported entry type.
    #[error("{path}: unsupported entry type {kind}")]
    UnsupportedEntry {
        /// The entry's path.
        path: String,
        /// The type.
        kind: String,
    },
    /// A symlink target castore cannot store.
    #[error("{path}: invalid symlink target")]
    InvalidSymlinkTarget {
        /// The entry's path.
        path: String,
        /// Why.
        #[source]
        source: SymlinkTargetError,
    },
    /// A hard link whose target is not an earlier file.
    #[error("{path}: hard link target {target} is not an earlier regular file")]
    HardLink {
        /// The entry's path.
        path: String,
        /// The link target.
        target: String,
    },
    /// A path goes through something that is not a directory.
    #[error("{0}: a parent is not a directory")]
    NotADirectory(String),
    /// Uploading a file failed.
    #[error("{path}: cannot upload")]
    Upload {
        /// The entry's path.
        path: String,
        /// Why.
        #[source]
        source: BlobError,
    },
    /// A directory too large to describe.
    #[error("invalid directory")]
    InvalidDirectory(#[source] DirectoryValidationError),
    /// Building the closure failed (an internal inconsistency).
    #[error("cannot assemble the directory closure")]
    Closure(#[source] ClosureError),
    /// Storing the directories failed.
    #[error("cannot store directories")]
    Directories(#[source] DirectoryError),
}

/// The tree being built.
enum Tree {
    Dir(BTreeMap<Name, Tree>),
    Leaf(Node),
}

/// Splits an archive path into validated names.
fn components(path: &[u8]) -> Result<Vec<Name>, TarImportError> {
    let show = || String::from_utf8_lossy(path).into_owned();
    if path.starts_with(b"/") {
        return Err(TarImportError::UnsafePath(show()));
    }
    let mut out = Vec::new();
    for c in path.split(|b| *b == b'/') {
        match c {
            b"" | b"." => {}
            b".." => return Err(TarImportError::UnsafePath(show())),
            c => out.push(
                Name::new(c.to_vec()).map_err(|source| TarImportError::InvalidName {
                    path: show(),
                    source,
                })?,
            ),
        }
    }
    Ok(out)
}

/// Puts `node` at `names` (a directory entry keeps an existing directory).
fn insert(
    root: &mut BTreeMap<Name, Tree>,
    names: &[Name],
    node: Tree,
    path: &str,
) -> Result<(), TarImportError> {
    let Some((last, parents)) = names.split_last() else {
        // The archive root itself ("./"): nothing to record.
        return Ok(());
    };
    let mut dir = root;
    for n in parents {
        let child = dir
            .entry(n.clone())
            .or_insert_with(|| Tree::Dir(BTreeMap::new()));
        dir = match child {
            Tree::Dir(d) => d,
            Tree::Leaf(_) => return Err(TarImportError::NotADirectory(path.to_owned())),
        };
    }
    match (dir.get(last), &node) {
        (Some(Tree::Dir(_)), Tree::Dir(_)) => {}
        _ => {
            dir.insert(last.clone(), node);
        }
    }
    Ok(())
}

fn lookup<'a>(root: &'a BTreeMap<Name, Tree>, names: &[Name]) -> Option<&'a Tree> {
    let (last, parents) = names.split_last()?;
    let mut dir = root;
    for n in parents {
        match dir.get(n)? {
            Tree::Dir(d) => dir = d,
            Tree::Leaf(_) => return None,
        }
    }
    dir.get(last)
}

/// Adds the directories of `tree` to `closure`, children first; returns the node.
fn assemble(
    entries: BTreeMap<Name, Tree>,
    closure: &mut ClosureBuilder,
) -> Result<Node, TarImportError> {
    let mut dir = Directory::new();
    for (name, t) in entries {
        let node = match t {
            Tree::Leaf(n) => n,
            Tree::Dir(children) => assemble(children, closure)?,
        };
        dir.add(name, node)
            .map_err(TarImportError::InvalidDirectory)?;
    }
    let size = dir.size();
    let digest = closure.add(dir).map_err(TarImportError::Closure)?;
    Ok(Node::Directory { digest, size })
}

/// Imports the tar archive read from `r` (see the module docs) and returns the
/// root directory node.
pub async fn import_tar<R: AsyncRead + Unpin + Send>(
    store: &Store,
    r: R,
    opts: &ImportOptions,
) -> Result<Node, TarImportError> {
    let mut r = BufReader::with_capacity(64 * 1024, r);
    let head = r.fill_buf().await.map_err(TarImportError::Io)?;
    use async_compression::tokio::bufread as dec;
    let reader: Box<dyn AsyncRead + Unpin + Send> = if head.starts_with(&[0x1f, 0x8b]) {
        Box::new(dec::GzipDecoder::new(r))
    } else if head.starts_with(b"BZh") {
        Box::new(dec::BzDecoder::new(r))
    } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        Box::new(dec::XzDecoder::new(r))
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Box::new(dec::ZstdDecoder::new(r))
    } else {
        Box::new(r)
    };
    let mut archive = Archive::new(reader);
    let mut entries = archive.entries().map_err(TarImportError::Io)?;
    let mut root: BTreeMap<Name, Tree> = BTreeMap::new();
    while let Some(entry) = entries.next().await {
        let mut entry = entry.map_err(TarImportError::Io)?;
        let path_bytes = entry.path_bytes().into_owned();
        let path = String::from_utf8_lossy(&path_bytes).into_owned();
        let names = components(&path_bytes)?;
        let header = entry.header();
        let kind = header.entry_type();
        let entry_err = |source| TarImportError::Entry {
            path: path.clone(),
            source,
        };
        let node = match kind {
            EntryType::Directory => Tree::Dir(BTreeMap::new()),
            EntryType::Regular | EntryType::Continuous | EntryType::GNUSparse => {
                let executable = header.mode().map_err(entry_err)? & 0o100 != 0;
                let uploaded = match &opts.scanner {
                    Some(s) => store.put_reader(ScanningReader::new(&mut entry, s)).await,
                    None => store.put_reader(&mut entry).await,
                };
                let (digest, size) = uploaded.map_err(|source| TarImportError::Upload {
                    path: path.clone(),
                    source,
                })?;
                Tree::Leaf(Node::File {
                    digest,
                    size,
                    executable,
                })
            }
            EntryType::Symlink => {
                let target = entry
                    .link_name_bytes()
                    .map(|t| t.into_owned())
                    .unwrap_or_default();
                if let Some(s) = &opts.scanner {
                    s.scan(&target);
                }
                let target = SymlinkTarget::new(target).map_err(|source| {
                    TarImportError::InvalidSymlinkTarget {
                        path: path.clone(),
                        source,
                    }
                })?;
                Tree::Leaf(Node::Symlink { target })
            }
            EntryType::Link => {
                let target = entry
                    .link_name_bytes()
                    .map(|t| t.into_owned())
                    .unwrap_or_default();
                let show = String::from_utf8_lossy(&target).into_owned();
                match lookup(&root, &components(&target)?) {
                    Some(Tree::Leaf(n @ Node::File { .. })) => Tree::Leaf(n.clone()),
                    _ => {
                        return Err(TarImportError::HardLink { path, target: show });
                    }
                }
            }
            EntryType::XGlobalHeader | EntryType::XHeader => continue,
            other => {
                return Err(TarImportError::UnsupportedEntry {
                    path,
                    kind: format!("{other:?}"),
                });
            }
        };
        insert(&mut root, &names, node, &path)?;
    }
    let mut closure = ClosureBuilder::new();
    let node = assemble(root, &mut closure)?;
    let closure = closure.build().map_err(TarImportError::Closure)?;
    // Blobs durable before any directory (or the caller) refers to them.
    store
        .blobs()
        .sync()
        .await
        .map_err(|source| TarImportError::Upload {
            path: String::new(),
            source,
        })?;
    store
        .directories()
        .put_closure(closure)
        .await
        .map_err(TarImportError::Directories)?;
    Ok(node)
}

#[cfg(test)]
mod tests;
