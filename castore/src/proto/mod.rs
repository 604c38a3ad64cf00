//! The protobuf form (package `tvix.castore.v1`, generated from `protos/` by
//! `build.rs`) and its conversions to and from the domain types. Proto types
//! never appear in service traits: they are validated here once, at the boundary
//! (`TryFrom<proto::X>`), and produced with `From<&Domain>`.

#![allow(missing_docs, unreachable_pub, clippy::all, clippy::unwrap_used)]

include!(concat!(env!("OUT_DIR"), "/tvix.castore.v1.rs"));

use bytes::Bytes;

use crate::{
    B3Digest, Directory as DDir, DirectoryValidationError as E, Name, Node as DNode, SymlinkTarget,
};

fn digest_bytes(d: &B3Digest) -> Bytes {
    Bytes::copy_from_slice(d.as_bytes())
}

impl From<&DDir> for self::Directory {
    fn from(d: &DDir) -> Self {
        let mut out = Self::default();
        for (name, node) in d.entries() {
            let name = name.to_bytes();
            match node {
                DNode::Directory { digest, size } => out.directories.push(DirectoryNode {
                    name,
                    digest: digest_bytes(digest),
                    size: *size,
                }),
                DNode::File {
                    digest,
                    size,
                    executable,
                } => out.files.push(FileNode {
                    name,
                    digest: digest_bytes(digest),
                    size: *size,
                    executable: *executable,
                }),
                DNode::Symlink { target } => out.symlinks.push(SymlinkNode {
                    name,
                    target: target.to_bytes(),
                }),
            }
        }
        out
    }
}

fn checked_digest(name: &Name, b: &Bytes) -> Result<B3Digest, E> {
    B3Digest::try_from(b).map_err(|_| E::InvalidDigestLength {
        name: name.clone(),
        len: b.len(),
    })
}

/// Checks one list of the proto form is strictly ascending by name.
fn check_sorted(prev: &mut Option<Name>, name: &Name) -> Result<(), E> {
    if let Some(p) = prev {
        if p == name {
            return Err(E::DuplicateName(name.clone()));
        }
        if &*p > name {
            return Err(E::WrongSorting(name.clone()));
        }
    }
    *prev = Some(name.clone());
    Ok(())
}

impl TryFrom<self::Directory> for DDir {
    type Error = E;
    fn try_from(p: self::Directory) -> Result<Self, E> {
        let mut d = DDir::new();
        let mut prev = None;
        for e in p.directories {
            let name = Name::new(e.name).map_err(E::InvalidName)?;
            check_sorted(&mut prev, &name)?;
            let digest = checked_digest(&name, &e.digest)?;
            d.add(
                name,
                DNode::Directory {
                    digest,
                    size: e.size,
                },
            )?;
        }
        let mut prev = None;
        for e in p.files {
            let name = Name::new(e.name).map_err(E::InvalidName)?;
            check_sorted(&mut prev, &name)?;
            let digest = checked_digest(&name, &e.digest)?;
            d.add(
                name,
                DNode::File {
                    digest,
                    size: e.size,
                    executable: e.executable,
                },
            )?;
        }
        let mut prev = None;
        for e in p.symlinks {
            let name = Name::new(e.name).map_err(E::InvalidName)?;
            check_sorted(&mut prev, &name)?;
            let target =
                SymlinkTarget::new(e.target).map_err(|source| E::InvalidSymlinkTarget {
                    name: name.clone(),
                    source,
                })?;
            d.add(name, DNode::Symlink { target })?;
        }
        Ok(d)
    }
}

/// Encodes a nameless node as a proto `Node` (names are empty).
impl From<&DNode> for self::Node {
    fn from(n: &DNode) -> Self {
        let node = match n {
            DNode::Directory { digest, size } => node::Node::Directory(DirectoryNode {
                name: Bytes::new(),
                digest: digest_bytes(digest),
                size: *size,
            }),
            DNode::File {
                digest,
                size,
                executable,
            } => node::Node::File(FileNode {
                name: Bytes::new(),
                digest: digest_bytes(digest),
                size: *size,
                executable: *executable,
            }),
            DNode::Symlink { target } => node::Node::Symlink(SymlinkNode {
                name: Bytes::new(),
                target: target.to_bytes(),
            }),
        };
        Self { node: Some(node) }
    }
}

impl TryFrom<self::Node> for DNode {
    type Error = E;
    /// Validates a standalone node; its name is ignored.
    fn try_from(n: self::Node) -> Result<Self, E> {
        // A placeholder name for error messages: a standalone node has none.
        let anon = || Name::try_from("_").map_err(E::InvalidName);
        Ok(match n.node.ok_or(E::NoNodeSet)? {
            node::Node::Directory(d) => DNode::Directory {
                digest: checked_digest(&anon()?, &d.digest)?,
                size: d.size,
            },
            node::Node::File(f) => DNode::File {
                digest: checked_digest(&anon()?, &f.digest)?,
                size: f.size,
                executable: f.executable,
            },
            node::Node::Symlink(s) => DNode::Symlink {
                target: SymlinkTarget::new(s.target).map_err(|source| E::InvalidSymlinkTarget {
                    name: Name::try_from("_").expect("'_' is a valid name"),
                    source,
                })?,
            },
        })
    }
}
