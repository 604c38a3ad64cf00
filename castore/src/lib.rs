//! Content-addressed storage of file trees: blobs (file contents, BLAKE3,
//! cut into FastCDC chunks) and Merkle directories, behind service traits with
//! interchangeable, composable backends.
//!
//! # Data model
//! - [`B3Digest`] names everything; its text form is `blake3-<base64>`.
//! - A [`Node`] is a directory, file or symlink; a [`Directory`] maps validated
//!   [`Name`]s to nodes and is identified by the digest of its canonical protobuf
//!   encoding (wire-compatible with tvix's `tvix.castore.v1`; see [`Directory`]
//!   for the encoding and the size convention).
//! - A [`Closure`] is a validated tree of directories.
//!
//! # Services
//! [`ChunkService`] (chunks by digest), [`BlobService`] (which chunks make a
//! blob) and [`DirectoryService`] (directories and closures) are traits over
//! domain types only. A [`Store`] bundles the three with an instance name and
//! reads and writes blobs over them with the one shared [`BlobReader`] and
//! [`BlobWriter`]. Backends are in [`backend`], combinators (cache, priority
//! list, retry) in [`combinator`], and [`composition`] builds stores from a TOML
//! config of named instances or from a URL.
//!
//! # Import
//! [`import::import_path`] ingests a local file tree and `import::tar::import_tar`
//! (feature `tar`) a tar archive, optionally scanning the contents for
//! references with [`refscan`].
//!
//! # Features
//! `grpc` (client and server), `objectstore` (`object_store` backends) and `tar`
//! are on by default; `cloud` adds S3, GCS and Azure to the objectstore backend.

mod blob;
mod blobservice;
mod chunkservice;
mod closure;
mod digest;
mod directory;
mod directoryservice;
mod error;
mod node;
mod store;

pub mod backend;
pub mod combinator;
pub mod composition;
pub mod copy;
pub mod import;
pub mod proto;
pub mod refscan;

pub use blob::{BlobOptions, BlobReader, BlobWriter, ReadOptions};
pub use blobservice::{BlobMeta, BlobService, ChunkMeta};
pub use chunkservice::ChunkService;
pub use closure::{Closure, ClosureBuilder, ClosureChecker, ClosureError};
pub use digest::{B3_PREFIX, B3Digest, DigestError};
pub use directory::{DecodeError, Directory, DirectoryValidationError};
pub use directoryservice::DirectoryService;
pub use error::{
    BlobError, BoxError, ChunkError, DirectoryError, ErrorKind, InstanceName, Message,
};
pub use node::{
    MAX_NAME_LEN, MAX_TARGET_LEN, Name, NameError, Node, SymlinkTarget, SymlinkTargetError,
};
pub use store::Store;

#[cfg(test)]
mod conformance;
