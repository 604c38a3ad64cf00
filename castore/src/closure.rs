//! Validation of directory closures in both directions.
//!
//! A closure is a root directory with every directory reachable from it. It is
//! uploaded leaves first ([`ClosureBuilder`] → [`Closure`]: a directory may only
//! refer to directories added before it, the root comes last) and fetched root
//! first ([`ClosureChecker`]: every directory must have been referred to by one
//! received before it). Both check that each reference's size matches the
//! referred directory's [`size`](Directory::size), and both end with "nothing is
//! dangling". Errors name the offending digest.

use std::collections::{HashMap, HashSet};

use crate::{B3Digest, Directory};

/// Why a sequence of directories is not a valid closure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClosureError {
    /// A directory refers to a child that was not sent before it (leaves first).
    #[error("directory {parent} refers to {child}, which was not uploaded before it")]
    MissingChild {
        /// The referring directory.
        parent: B3Digest,
        /// The missing child.
        child: B3Digest,
    },
    /// A reference's size differs from the referred directory's size.
    #[error("directory {child} has size {actual}, but {parent} records {recorded}")]
    SizeMismatch {
        /// The referring directory.
        parent: B3Digest,
        /// The referred directory.
        child: B3Digest,
        /// The size in the reference.
        recorded: u64,
        /// The child's actual size.
        actual: u64,
    },
    /// A directory arrived that nothing received so far refers to (root first).
    #[error("unexpected directory {0}: not referred to by any directory received before")]
    Unexpected(B3Digest),
    /// The closure has no directories.
    #[error("empty closure")]
    Empty,
    /// More than one directory is not referred to by another (leaves first).
    #[error("closure has more than one root: {0} and {1}")]
    MultipleRoots(B3Digest, B3Digest),
    /// Directories that were referred to never arrived (root first).
    #[error("closure is incomplete: directory {0} is missing")]
    Incomplete(B3Digest),
}

/// Collects a closure leaves first, checking each directory as it is added.
#[derive(Debug, Default)]
#[must_use = "a builder does nothing until built"]
pub struct ClosureBuilder {
    /// Sizes of the directories added so far.
    sizes: HashMap<B3Digest, u64>,
    /// Directories not (yet) referred to by a later one.
    unreferenced: HashSet<B3Digest>,
    dirs: Vec<(B3Digest, Directory)>,
}

impl ClosureBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the next directory. Its child directories must have been added
    /// already; adding a directory a second time is allowed and ignored.
    pub fn add(&mut self, dir: Directory) -> Result<B3Digest, ClosureError> {
        let digest = dir.digest();
        if self.sizes.contains_key(&digest) {
            return Ok(digest);
        }
        for (_, child, recorded) in dir.child_directories() {
            let actual = *self.sizes.get(&child).ok_or(ClosureError::MissingChild {
                parent: digest,
                child,
            })?;
            if actual != recorded {
                return Err(ClosureError::SizeMismatch {
                    parent: digest,
                    child,
                    recorded,
                    actual,
                });
            }
        }
        for (_, child, _) in dir.child_directories() {
            self.unreferenced.remove(&child);
        }
        self.sizes.insert(digest, dir.size());
        self.unreferenced.insert(digest);
        self.dirs.push((digest, dir));
        Ok(digest)
    }

    /// Whether `digest` was added (or registered as existing).
    #[must_use]
    pub fn contains(&self, digest: &B3Digest) -> bool {
        self.sizes.contains_key(digest)
    }

    /// Registers a directory that is already stored elsewhere (with its size),
    /// so directories added later may refer to it without it being part of the
    /// closure. A server uses this to accept uploads of partial trees.
    pub fn add_existing(&mut self, digest: B3Digest, size: u64) {
        self.sizes.entry(digest).or_insert(size);
    }

    /// Checks that exactly one root remains, the last directory added.
    pub fn build(self) -> Result<Closure, ClosureError> {
        let (root, _) = self.dirs.last().ok_or(ClosureError::Empty)?;
        if let Some(other) = self.unreferenced.iter().find(|d| *d != root) {
            return Err(ClosureError::MultipleRoots(*root, *other));
        }
        let root = *root;
        Ok(Closure {
            root,
            dirs: self.dirs,
        })
    }
}

/// A complete, validated closure in upload order (leaves first, root last),
/// each directory once.
#[derive(Debug, Clone)]
pub struct Closure {
    root: B3Digest,
    dirs: Vec<(B3Digest, Directory)>,
}

impl Closure {
    /// Validates directories given leaves first.
    pub fn from_leaves_first(
        dirs: impl IntoIterator<Item = Directory>,
    ) -> Result<Self, ClosureError> {
        let mut b = ClosureBuilder::new();
        for d in dirs {
            b.add(d)?;
        }
        b.build()
    }

    /// Validates directories given root first (as [`get_closure`] returns them).
    ///
    /// [`get_closure`]: crate::DirectoryService::get_closure
    pub fn from_root_first(root: B3Digest, dirs: Vec<Directory>) -> Result<Self, ClosureError> {
        let mut checker = ClosureChecker::new(root);
        let mut checked = Vec::with_capacity(dirs.len());
        for d in dirs {
            checked.push((checker.check(&d)?, d));
        }
        checker.finish()?;
        checked.reverse();
        Ok(Self {
            root,
            dirs: checked,
        })
    }

    /// The root's digest.
    #[must_use]
    pub fn root(&self) -> B3Digest {
        self.root
    }

    /// The directories with their digests, leaves first.
    pub fn leaves_first(&self) -> impl DoubleEndedIterator<Item = &(B3Digest, Directory)> {
        self.dirs.iter()
    }

    /// The directories, root first.
    #[must_use]
    pub fn into_root_first(self) -> Vec<Directory> {
        self.dirs.into_iter().rev().map(|(_, d)| d).collect()
    }

    /// Number of directories.
    #[must_use]
    pub fn len(&self) -> usize {
        self.dirs.len()
    }

    /// Always false: a closure has at least its root.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.dirs.is_empty()
    }
}

/// Checks directories arriving root first: each must be expected (the root, or
/// referred to by one received before) and match the recorded size.
#[derive(Debug)]
pub struct ClosureChecker {
    /// Referred to but not yet received: digest → (referrer, recorded size), None
    /// for the root.
    expected: HashMap<B3Digest, Option<(B3Digest, u64)>>,
    received: HashSet<B3Digest>,
}

impl ClosureChecker {
    /// A checker expecting `root` first.
    #[must_use]
    pub fn new(root: B3Digest) -> Self {
        Self {
            expected: HashMap::from([(root, None)]),
            received: HashSet::new(),
        }
    }

    /// Checks the next directory and returns its digest.
    pub fn check(&mut self, dir: &Directory) -> Result<B3Digest, ClosureError> {
        let digest = dir.digest();
        let recorded = self
            .expected
            .remove(&digest)
            .ok_or(ClosureError::Unexpected(digest))?;
        if let Some((parent, recorded)) = recorded {
            if recorded != dir.size() {
                return Err(ClosureError::SizeMismatch {
                    parent,
                    child: digest,
                    recorded,
                    actual: dir.size(),
                });
            }
        }
        self.received.insert(digest);
        for (_, child, size) in dir.child_directories() {
            if !self.received.contains(&child) {
                self.expected.entry(child).or_insert(Some((digest, size)));
            }
        }
        Ok(digest)
    }

    /// Whether `digest` is awaited (lets a reader reject data before decoding).
    #[must_use]
    pub fn is_expected(&self, digest: &B3Digest) -> bool {
        self.expected.contains_key(digest)
    }

    /// Checks nothing referred to is still missing.
    pub fn finish(self) -> Result<(), ClosureError> {
        match self.expected.into_keys().next() {
            Some(d) => Err(ClosureError::Incomplete(d)),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests;
