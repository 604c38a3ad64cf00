//! Copying a tree (a [`Node`] with its directory closure and blobs) from one
//! [`Store`] to another, as a store-to-store copy needs it.
//!
//! Blobs go first, each streamed through a bounded buffer and checked against
//! its digest, skipping those the destination has; the directory closure goes
//! last, in one [`put_closure`](crate::DirectoryService::put_closure), so a
//! destination never holds a directory whose contents are missing. A tree
//! whose root directory the destination already has is skipped whole: a
//! stored directory implies its closure (and blobs) are stored.

use std::collections::HashSet;

use crate::{B3Digest, BlobError, Closure, ClosureError, DirectoryError, Node, Store};

#[cfg(test)]
mod tests;

/// Why a tree could not be copied.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CopyError {
    /// A blob the tree refers to is not in the source.
    #[error("blob {digest} is missing in the source store {instance}")]
    MissingBlob {
        /// The source instance.
        instance: String,
        /// The blob.
        digest: B3Digest,
    },
    /// A blob read from the source does not have the digest or size the tree
    /// records.
    #[error(
        "blob {expected} ({expected_size} bytes) read from the source is {actual} ({actual_size} bytes)"
    )]
    BlobMismatch {
        /// The recorded digest.
        expected: B3Digest,
        /// The recorded size.
        expected_size: u64,
        /// The digest of what was read.
        actual: B3Digest,
        /// The size of what was read.
        actual_size: u64,
    },
    /// Reading or writing a blob failed.
    #[error("copying blob {digest}")]
    Blob {
        /// The blob.
        digest: B3Digest,
        /// Why.
        #[source]
        source: BlobError,
    },
    /// Reading or writing directories failed.
    #[error("copying directory {digest}")]
    Directory {
        /// The root directory of the closure.
        digest: B3Digest,
        /// Why.
        #[source]
        source: DirectoryError,
    },
    /// The source's directories do not form a valid closure.
    #[error("directory closure of {digest} in the source is invalid")]
    Closure {
        /// The root directory.
        digest: B3Digest,
        /// Why.
        #[source]
        source: ClosureError,
    },
}

/// What [`copy_tree`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[must_use]
pub struct CopyStats {
    /// Blobs written to the destination.
    pub blobs: u64,
    /// Bytes of the blobs written.
    pub blob_bytes: u64,
    /// Directories in the closures written (0 if the root was present).
    pub directories: u64,
}

/// Makes the blobs copied to `dst` durable before anything refers to them
/// (`digest`: the root, named in the error).
async fn sync_blobs(dst: &Store, digest: &B3Digest) -> Result<(), CopyError> {
    dst.blobs().sync().await.map_err(|source| CopyError::Blob {
        digest: *digest,
        source,
    })
}

/// Copies the tree of `root` from `src` to `dst`: blobs the destination lacks
/// (each streamed, never held whole in memory), then the directory closure.
pub async fn copy_tree(src: &Store, dst: &Store, root: &Node) -> Result<CopyStats, CopyError> {
    let mut stats = CopyStats::default();
    match root {
        Node::Symlink { .. } => {}
        Node::File { digest, size, .. } => {
            copy_blob(src, dst, digest, *size, &mut stats).await?;
            sync_blobs(dst, digest).await?;
        }
        Node::Directory { digest, .. } => {
            let dir_err = |source| CopyError::Directory {
                digest: *digest,
                source,
            };
            if dst
                .directories()
                .get(digest)
                .await
                .map_err(dir_err)?
                .is_some()
            {
                return Ok(stats);
            }
            let dirs = src
                .directories()
                .get_closure(digest)
                .await
                .map_err(dir_err)?;
            let closure =
                Closure::from_root_first(*digest, dirs).map_err(|source| CopyError::Closure {
                    digest: *digest,
                    source,
                })?;
            let mut seen = HashSet::new();
            for (_, dir) in closure.leaves_first() {
                for (_, node) in dir.entries() {
                    if let Node::File { digest, size, .. } = node
                        && seen.insert(*digest)
                    {
                        copy_blob(src, dst, digest, *size, &mut stats).await?;
                    }
                }
            }
            stats.directories = closure.len() as u64;
            sync_blobs(dst, digest).await?;
            dst.directories()
                .put_closure(closure)
                .await
                .map_err(dir_err)?;
        }
    }
    Ok(stats)
}

/// Copies one blob unless `dst` has it, checking digest and size.
async fn copy_blob(
    src: &Store,
    dst: &Store,
    digest: &B3Digest,
    size: u64,
    stats: &mut CopyStats,
) -> Result<(), CopyError> {
    let blob_err = |source| CopyError::Blob {
        digest: *digest,
        source,
    };
    if dst.blobs().stat(digest).await.map_err(blob_err)?.is_some() {
        return Ok(());
    }
    let reader = src
        .open_read(digest)
        .await
        .map_err(blob_err)?
        .ok_or_else(|| CopyError::MissingBlob {
            instance: src.name().to_string(),
            digest: *digest,
        })?;
    let (actual, actual_size) = dst.put_reader(reader).await.map_err(blob_err)?;
    if actual != *digest || actual_size != size {
        return Err(CopyError::BlobMismatch {
            expected: *digest,
            expected_size: size,
            actual,
            actual_size,
        });
    }
    stats.blobs += 1;
    stats.blob_bytes += size;
    Ok(())
}
