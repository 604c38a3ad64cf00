//! [`Directory`]: one level of a castore tree, a map from validated [`Name`]s to
//! [`Node`]s, identified by the BLAKE3 digest of its canonical protobuf encoding.
//!
//! # Canonical encoding and digest
//!
//! A directory is encoded as the protobuf message `tvix.castore.v1.Directory`
//! (`protos/castore.proto`): entries split into three lists (directories, files,
//! symlinks), each sorted by raw name bytes, encoded with prost (fields in number
//! order, default values omitted). The digest is BLAKE3 of those bytes. The empty
//! directory encodes to zero bytes, so its digest equals the empty blob's.
//!
//! # The size convention
//!
//! [`Directory::size`] is `number of entries + Σ over entries (1 for a file or
//! symlink, 1 + child size for a directory)`, so twice the entry count plus the
//! children's sizes. The protobuf comment of tvix documents a different rule (the
//! recursive entry count), but tvix and snix both compute, store and validate this
//! one since 2024. A child's size is part of its parent's encoding, so only this
//! rule gives the same directory digests as data written by tvix and snix; we
//! pick it on purpose for that. The size only serves as an inode-allocation hint
//! and an integrity check: closures are validated against it.

use std::collections::BTreeMap;

use bytes::Bytes;
use prost::Message;

use crate::{B3Digest, Name, NameError, Node, SymlinkTargetError};

/// One directory level. Names are unique across all kinds of entries and kept
/// sorted by their bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Directory {
    entries: BTreeMap<Name, Node>,
    size: u64,
}

/// Why a directory (or its protobuf form) is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DirectoryValidationError {
    /// Two entries have the same name.
    #[error("duplicate entry name {0}")]
    DuplicateName(Name),
    /// An entry name is invalid.
    #[error("invalid entry name")]
    InvalidName(#[source] NameError),
    /// A list of the protobuf form is not sorted by name.
    #[error("entry {0} is not sorted after its predecessor")]
    WrongSorting(Name),
    /// An entry's digest does not have 32 bytes.
    #[error("entry {name}: digest has {len} bytes, expected 32")]
    InvalidDigestLength {
        /// The entry.
        name: Name,
        /// The length found.
        len: usize,
    },
    /// A symlink entry's target is invalid.
    #[error("entry {name}: invalid symlink target")]
    InvalidSymlinkTarget {
        /// The entry.
        name: Name,
        /// What is wrong.
        #[source]
        source: SymlinkTargetError,
    },
    /// The directory's size does not fit in 64 bits.
    #[error("directory size overflows u64")]
    SizeOverflow,
    /// A standalone node has no kind set.
    #[error("node has no kind set")]
    NoNodeSet,
}

impl Directory {
    /// An empty directory.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an entry. Fails on a duplicate name or a size overflow.
    pub fn add(&mut self, name: Name, node: Node) -> Result<(), DirectoryValidationError> {
        let inc = match &node {
            Node::Directory { size, .. } => size.checked_add(2),
            Node::File { .. } | Node::Symlink { .. } => Some(2),
        };
        let size = inc
            .and_then(|i| self.size.checked_add(i))
            .ok_or(DirectoryValidationError::SizeOverflow)?;
        match self.entries.entry(name) {
            std::collections::btree_map::Entry::Occupied(e) => {
                Err(DirectoryValidationError::DuplicateName(e.key().clone()))
            }
            std::collections::btree_map::Entry::Vacant(e) => {
                e.insert(node);
                self.size = size;
                Ok(())
            }
        }
    }

    /// Builds a directory from entries.
    pub fn try_from_entries(
        entries: impl IntoIterator<Item = (Name, Node)>,
    ) -> Result<Self, DirectoryValidationError> {
        let mut d = Self::new();
        for (name, node) in entries {
            d.add(name, node)?;
        }
        Ok(d)
    }

    /// The entries, sorted by name.
    pub fn entries(&self) -> impl ExactSizeIterator<Item = (&Name, &Node)> {
        self.entries.iter()
    }

    /// The entry called `name`.
    #[must_use]
    pub fn get(&self, name: &Name) -> Option<&Node> {
        self.entries.get(name)
    }

    /// Number of entries.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The size recorded for this directory in its parent (see the module docs).
    #[must_use]
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Digests of the child directories, in name order.
    pub fn child_directories(&self) -> impl Iterator<Item = (&Name, B3Digest, u64)> {
        self.entries.iter().filter_map(|(n, node)| match node {
            Node::Directory { digest, size } => Some((n, *digest, *size)),
            _ => None,
        })
    }

    /// The canonical protobuf encoding.
    #[must_use]
    pub fn encode(&self) -> Bytes {
        crate::proto::Directory::from(self).encode_to_vec().into()
    }

    /// Decodes and validates the canonical protobuf encoding.
    pub fn decode(buf: &[u8]) -> Result<Self, DecodeError> {
        let p = crate::proto::Directory::decode(buf).map_err(DecodeError::Protobuf)?;
        Self::try_from(p).map_err(DecodeError::Invalid)
    }

    /// The digest: BLAKE3 of [`encode`](Self::encode).
    #[must_use]
    pub fn digest(&self) -> B3Digest {
        B3Digest::of(&self.encode())
    }

    /// This directory as a node of its parent.
    #[must_use]
    pub fn as_node(&self) -> Node {
        Node::Directory {
            digest: self.digest(),
            size: self.size,
        }
    }
}

/// Why bytes are not a valid encoded [`Directory`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Not a protobuf `Directory` message.
    #[error("not a protobuf Directory")]
    Protobuf(#[source] prost::DecodeError),
    /// A well-formed message that breaks a castore rule.
    #[error("invalid directory")]
    Invalid(#[source] DirectoryValidationError),
}

#[cfg(test)]
mod tests;
