//! The [`DirectoryService`] trait: directories by digest, and whole closures.

use async_trait::async_trait;

use crate::{B3Digest, Closure, Directory, DirectoryError};

/// Stores directories by digest.
///
/// A closure is fetched as a `Vec`, root first: a closure holds only directory
/// listings (no contents), so even large trees stay small in memory, and every
/// caller (the gRPC server, the cache, `ls -R`) needs all of it anyway.
#[async_trait]
pub trait DirectoryService: Send + Sync {
    /// The directory, or `None` if it does not exist. Backends return only
    /// directories whose digest they checked.
    async fn get(&self, digest: &B3Digest) -> Result<Option<Directory>, DirectoryError>;

    /// Stores one directory and returns its digest. Its children are not
    /// checked; use [`put_closure`](Self::put_closure) to store a tree.
    async fn put(&self, dir: Directory) -> Result<B3Digest, DirectoryError>;

    /// The closure of `root`, root first (breadth first), each directory once,
    /// validated. An unknown root is [`DirectoryError::NotFound`]; so is a
    /// missing descendant (naming it: the store is inconsistent).
    async fn get_closure(&self, root: &B3Digest) -> Result<Vec<Directory>, DirectoryError>;

    /// Stores a validated closure in one batch (a transaction where the
    /// backend has them) and returns the root's digest.
    async fn put_closure(&self, closure: Closure) -> Result<B3Digest, DirectoryError>;
}

/// [`DirectoryService::get_closure`] over `get`, for backends without a faster way:
/// breadth first from the root, each directory fetched once.
pub(crate) async fn get_closure_by_get<S: DirectoryService + ?Sized>(
    svc: &S,
    instance: &crate::InstanceName,
    root: &B3Digest,
) -> Result<Vec<Directory>, DirectoryError> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::from([*root]);
    let mut queue = std::collections::VecDeque::from([*root]);
    while let Some(d) = queue.pop_front() {
        let dir = svc
            .get(&d)
            .await?
            .ok_or_else(|| DirectoryError::not_found(instance, d))?;
        for (_, child, _) in dir.child_directories() {
            if seen.insert(child) {
                queue.push_back(child);
            }
        }
        out.push(dir);
    }
    Ok(out)
}
