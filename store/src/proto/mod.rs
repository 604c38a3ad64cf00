//! The protobuf form of [`PathInfo`] (package `tvix.store.v1`, generated from
//! `protos/` by `build.rs`; castore's messages come from
//! [`tvix_castore::proto`]) and its validated conversions. Proto types never
//! appear in service traits: [`TryFrom<proto::PathInfo>`](PathInfo) checks
//! everything once, at the boundary.
//!
//! The encoding follows tvix: the root node is named with the store path's
//! basename; references are raw 20-byte digests plus their basenames in
//! `reference_names`; the deriver is stored without its `.drv` suffix; the
//! content address is an enum of method and algorithm plus the raw digest.

#![allow(missing_docs, unreachable_pub, clippy::all, clippy::unwrap_used)]

include!(concat!(env!("OUT_DIR"), "/tvix.store.v1.rs"));

use bytes::Bytes;
use nix_compat::{
    nixhash::{CAHash, HashAlgo, NixHash},
    signature::Signature,
    store_path::{DIGEST_SIZE, StorePath as NixStorePath},
};
use tvix_castore::proto as cproto;

use crate::PathInfo as DPathInfo;

/// Why a proto PathInfo is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidatePathInfoError {
    /// No `narinfo` field.
    #[error("PathInfo has no narinfo")]
    NoNarInfo,
    /// No root node.
    #[error("PathInfo has no node")]
    NoNode,
    /// The root node is invalid.
    #[error("invalid root node: {0}")]
    InvalidNode(String),
    /// The root node's name is not a store path basename.
    #[error("root node name {0:?} is not a store path basename")]
    InvalidNodeName(String),
    /// A reference digest is not 20 bytes.
    #[error("reference {index} has {len} bytes, not 20")]
    InvalidReferenceDigestLen {
        /// Its index.
        index: usize,
        /// Its length.
        len: usize,
    },
    /// `references` and `reference_names` differ in length.
    #[error("{digests} reference digests but {names} reference names")]
    InconsistentReferenceCount {
        /// Digests.
        digests: usize,
        /// Names.
        names: usize,
    },
    /// A reference name is not a store path basename, or does not match its digest.
    #[error("reference name {0:?} is invalid or does not match its digest")]
    InvalidReferenceName(String),
    /// The NAR SHA-256 is not 32 bytes.
    #[error("nar_sha256 has {0} bytes, not 32")]
    InvalidNarSha256Len(usize),
    /// A signature with a bad length.
    #[error("signature of {name:?} has {len} bytes, not 64")]
    InvalidSignature {
        /// Key name.
        name: String,
        /// Its length.
        len: usize,
    },
    /// The deriver is not a valid `.drv` store path.
    #[error("invalid deriver {0:?}")]
    InvalidDeriver(String),
    /// A content address whose digest length does not fit its algorithm.
    #[error("content address digest of {len} bytes does not fit {what}")]
    InvalidCa {
        /// The hash type.
        what: String,
        /// The digest length.
        len: usize,
    },
}

/// Sets the name inside a proto node (castore's encoding leaves it empty).
fn set_node_name(n: &mut cproto::Node, name: Bytes) {
    match &mut n.node {
        Some(cproto::node::Node::Directory(d)) => d.name = name,
        Some(cproto::node::Node::File(f)) => f.name = name,
        Some(cproto::node::Node::Symlink(s)) => s.name = name,
        None => {}
    }
}

/// The name inside a proto node.
fn node_name(n: &cproto::Node) -> Option<&Bytes> {
    match &n.node {
        Some(cproto::node::Node::Directory(d)) => Some(&d.name),
        Some(cproto::node::Node::File(f)) => Some(&f.name),
        Some(cproto::node::Node::Symlink(s)) => Some(&s.name),
        None => None,
    }
}

/// A castore node with the given name, as the PathInfo and CalculateNAR
/// messages carry it.
pub fn named_node(node: &tvix_castore::Node, name: &str) -> cproto::Node {
    let mut n = cproto::Node::from(node);
    set_node_name(&mut n, Bytes::copy_from_slice(name.as_bytes()));
    n
}

fn ca_to_proto(ca: &CAHash) -> nar_info::Ca {
    use nar_info::ca::Hash;
    let ty = match (ca, ca.algo()) {
        (CAHash::Text(_), _) => Hash::TextSha256,
        (CAHash::Nar(_), HashAlgo::Sha256) => Hash::NarSha256,
        (CAHash::Nar(_), HashAlgo::Sha1) => Hash::NarSha1,
        (CAHash::Nar(_), HashAlgo::Sha512) => Hash::NarSha512,
        (CAHash::Nar(_), HashAlgo::Md5) => Hash::NarMd5,
        (CAHash::Flat(_), HashAlgo::Sha256) => Hash::FlatSha256,
        (CAHash::Flat(_), HashAlgo::Sha1) => Hash::FlatSha1,
        (CAHash::Flat(_), HashAlgo::Sha512) => Hash::FlatSha512,
        (CAHash::Flat(_), HashAlgo::Md5) => Hash::FlatMd5,
    };
    nar_info::Ca {
        r#type: ty as i32,
        digest: Bytes::copy_from_slice(ca.digest()),
    }
}

fn ca_from_proto(ca: &nar_info::Ca) -> Result<CAHash, ValidatePathInfoError> {
    use nar_info::ca::Hash;
    let ty = Hash::try_from(ca.r#type).map_err(|_| ValidatePathInfoError::InvalidCa {
        what: format!("unknown type {}", ca.r#type),
        len: ca.digest.len(),
    })?;
    let (nar, algo) = match ty {
        Hash::NarSha256 => (Some(true), HashAlgo::Sha256),
        Hash::NarSha1 => (Some(true), HashAlgo::Sha1),
        Hash::NarSha512 => (Some(true), HashAlgo::Sha512),
        Hash::NarMd5 => (Some(true), HashAlgo::Md5),
        Hash::TextSha256 => (None, HashAlgo::Sha256),
        Hash::FlatSha1 => (Some(false), HashAlgo::Sha1),
        Hash::FlatMd5 => (Some(false), HashAlgo::Md5),
        Hash::FlatSha256 => (Some(false), HashAlgo::Sha256),
        Hash::FlatSha512 => (Some(false), HashAlgo::Sha512),
    };
    let hash = NixHash::from_algo_and_digest(algo, &ca.digest).map_err(|_| {
        ValidatePathInfoError::InvalidCa {
            what: ty.as_str_name().to_owned(),
            len: ca.digest.len(),
        }
    })?;
    Ok(match (nar, hash) {
        (None, NixHash::Sha256(d)) => CAHash::Text(d),
        (Some(true), h) => CAHash::Nar(h),
        (_, h) => CAHash::Flat(h),
    })
}

impl From<&DPathInfo> for PathInfo {
    fn from(p: &DPathInfo) -> Self {
        let deriver = p.deriver.as_ref().map(|d| self::StorePath {
            name: d
                .name_str()
                .strip_suffix(".drv")
                .unwrap_or(d.name_str())
                .to_owned(),
            digest: Bytes::copy_from_slice(d.digest()),
        });
        Self {
            node: Some(named_node(&p.node, &p.store_path.to_string())),
            references: p
                .references
                .iter()
                .map(|r| Bytes::copy_from_slice(r.digest()))
                .collect(),
            narinfo: Some(NarInfo {
                nar_size: p.nar_size,
                nar_sha256: Bytes::copy_from_slice(&p.nar_sha256),
                signatures: p
                    .signatures
                    .iter()
                    .map(|s| nar_info::Signature {
                        name: s.name().to_owned(),
                        data: Bytes::copy_from_slice(s.bytes()),
                    })
                    .collect(),
                reference_names: p.references.iter().map(ToString::to_string).collect(),
                deriver,
                ca: p.ca.as_ref().map(ca_to_proto),
            }),
        }
    }
}

impl TryFrom<PathInfo> for DPathInfo {
    type Error = ValidatePathInfoError;
    fn try_from(p: PathInfo) -> Result<Self, Self::Error> {
        use ValidatePathInfoError as E;
        let narinfo = p.narinfo.ok_or(E::NoNarInfo)?;
        let node = p.node.ok_or(E::NoNode)?;
        let name = node_name(&node).cloned().unwrap_or_default();
        let store_path = NixStorePath::<String>::from_bytes(&name)
            .map_err(|_| E::InvalidNodeName(String::from_utf8_lossy(&name).into_owned()))?;
        let node = tvix_castore::Node::try_from(node).map_err(|e| E::InvalidNode(e.to_string()))?;
        if p.references.len() != narinfo.reference_names.len() {
            return Err(E::InconsistentReferenceCount {
                digests: p.references.len(),
                names: narinfo.reference_names.len(),
            });
        }
        let mut references = Vec::with_capacity(p.references.len());
        for (index, (digest, name)) in p
            .references
            .iter()
            .zip(narinfo.reference_names.iter())
            .enumerate()
        {
            if digest.len() != DIGEST_SIZE {
                return Err(E::InvalidReferenceDigestLen {
                    index,
                    len: digest.len(),
                });
            }
            let r: NixStorePath<String> = name
                .parse()
                .map_err(|_| E::InvalidReferenceName(name.clone()))?;
            if r.digest().as_slice() != digest.as_ref() {
                return Err(E::InvalidReferenceName(name.clone()));
            }
            references.push(r);
        }
        let nar_sha256: [u8; 32] = narinfo
            .nar_sha256
            .as_ref()
            .try_into()
            .map_err(|_| E::InvalidNarSha256Len(narinfo.nar_sha256.len()))?;
        let signatures = narinfo
            .signatures
            .iter()
            .map(|s| {
                let bytes: [u8; 64] =
                    s.data
                        .as_ref()
                        .try_into()
                        .map_err(|_| E::InvalidSignature {
                            name: s.name.clone(),
                            len: s.data.len(),
                        })?;
                Ok(Signature::new(s.name.clone(), bytes))
            })
            .collect::<Result<Vec<_>, E>>()?;
        let deriver = narinfo
            .deriver
            .map(|d| {
                let digest: [u8; DIGEST_SIZE] = d
                    .digest
                    .as_ref()
                    .try_into()
                    .map_err(|_| E::InvalidDeriver(d.name.clone()))?;
                NixStorePath::<String>::from_name_and_digest(&format!("{}.drv", d.name), digest)
                    .map_err(|_| E::InvalidDeriver(d.name.clone()))
            })
            .transpose()?;
        let ca = narinfo.ca.as_ref().map(ca_from_proto).transpose()?;
        let mut info = DPathInfo {
            store_path,
            node,
            references,
            nar_size: narinfo.nar_size,
            nar_sha256,
            deriver,
            signatures,
            ca,
        };
        info.normalize();
        Ok(info)
    }
}

/// Encodes a PathInfo as protobuf bytes (for storage in databases).
#[must_use]
pub fn encode(p: &DPathInfo) -> Vec<u8> {
    prost::Message::encode_to_vec(&PathInfo::from(p))
}

/// Why stored bytes are not a PathInfo.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Not protobuf.
    #[error("not a protobuf PathInfo")]
    Protobuf(#[source] prost::DecodeError),
    /// Protobuf, but invalid.
    #[error(transparent)]
    Invalid(#[from] ValidatePathInfoError),
}

/// Decodes and validates protobuf bytes.
pub fn decode(b: &[u8]) -> Result<DPathInfo, DecodeError> {
    let p: PathInfo = prost::Message::decode(b).map_err(DecodeError::Protobuf)?;
    Ok(DPathInfo::try_from(p)?)
}

#[cfg(test)]
mod tests;
