//! The [`PathInfoService`] trait (PathInfos by store path digest), its error
//! enum [`PathInfoError`], and its backends and combinators, one file each:
//!
//! | type | what |
//! |---|---|
//! | [`memory::MemoryPathInfoService`] | a `HashMap` in process memory |
//! | [`redb::RedbPathInfoService`] | a redb database file (protobuf values) |
//! | [`sqlite::SqlitePathInfoService`] (feature `sqlite`) | an SQLite database file (a typed column per field) |
//! | [`grpc::GrpcPathInfoService`] (feature `grpc`) | a client of `tvix-store daemon`; [`grpc::server`] serves any service |
//! | [`lru::LruPathInfoService`] | the most recently used entries of `inner`, in memory |
//! | [`cache::CachePathInfoService`] | `near` in front of `far`, filled on read |
//! | [`signing::SigningPathInfoService`] | signs what is put with a Nix secret key, then puts it into `inner` |
//! | [`binary_cache::BinaryCachePathInfoService`] | a Nix binary cache: a directory (`file:///DIR`) or an HTTP(S) server (feature `http`) |
//!
//! Every backend passes the same conformance suite (`tests.rs`).

use async_trait::async_trait;
use futures::stream::BoxStream;
use tvix_castore::{BoxError, ErrorKind, InstanceName, Message};

use crate::{PathInfo, StorePathHash};

pub mod binary_cache;
pub mod cache;
#[cfg(feature = "grpc")]
pub mod grpc;
pub mod lru;
pub mod memory;
pub mod redb;
pub mod signing;
#[cfg(feature = "sqlite")]
pub mod sqlite;

/// Keeps [`PathInfo`]s, looked up by the digest of their store path.
#[async_trait]
pub trait PathInfoService: Send + Sync {
    /// The PathInfo of the store path with digest `hash`, or `None`.
    async fn get(&self, hash: &StorePathHash) -> Result<Option<PathInfo>, PathInfoError>;

    /// Whether the store path with digest `hash` is known. The default asks
    /// [`get`](Self::get); backends where `get` is expensive (a binary cache
    /// ingests the NAR) answer from their index.
    async fn has(&self, hash: &StorePathHash) -> Result<bool, PathInfoError> {
        Ok(self.get(hash).await?.is_some())
    }

    /// Stores `info` (replacing an entry of the same path) and returns what
    /// was stored (a backend may add signatures).
    async fn put(&self, info: PathInfo) -> Result<PathInfo, PathInfoError>;

    /// Every stored PathInfo, in no particular order. Backends that cannot
    /// enumerate return a stream of one [`PathInfoError::Unsupported`].
    fn list(&self) -> BoxStream<'static, Result<PathInfo, PathInfoError>>;
}

/// An error of a [`PathInfoService`]. Every variant names the instance.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PathInfoError {
    /// Something a PathInfo needs does not exist (e.g. the NAR of a narinfo).
    #[error("{instance}: {what} not found")]
    NotFound {
        /// The instance.
        instance: InstanceName,
        /// What is missing.
        what: String,
    },
    /// Stored data is malformed or does not match its hash.
    #[error("{instance}: {what} is corrupt")]
    Corrupt {
        /// The instance.
        instance: InstanceName,
        /// What is corrupt.
        what: String,
        /// Why.
        #[source]
        source: BoxError,
    },
    /// The request is invalid.
    #[error("{instance}: invalid request")]
    InvalidRequest {
        /// The instance.
        instance: InstanceName,
        /// Why.
        #[source]
        source: BoxError,
    },
    /// The operation is not supported by this backend (e.g. listing a remote cache).
    #[error("{instance}: {operation} is not supported")]
    Unsupported {
        /// The instance.
        instance: InstanceName,
        /// The operation.
        operation: &'static str,
    },
    /// The backend cannot be reached now.
    #[error("{instance}: unavailable")]
    Unavailable {
        /// The instance.
        instance: InstanceName,
        /// Why.
        #[source]
        source: BoxError,
    },
    /// The backend failed.
    #[error("{instance}: storage error")]
    Storage {
        /// The instance.
        instance: InstanceName,
        /// Why.
        #[source]
        source: BoxError,
    },
}

impl PathInfoError {
    /// The kind of error (shared with castore's errors).
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::NotFound { .. } => ErrorKind::NotFound,
            Self::Corrupt { .. } => ErrorKind::Corrupt,
            Self::InvalidRequest { .. } | Self::Unsupported { .. } => ErrorKind::InvalidRequest,
            Self::Unavailable { .. } => ErrorKind::Unavailable,
            Self::Storage { .. } => ErrorKind::Storage,
        }
    }

    /// The instance the error comes from.
    #[must_use]
    pub fn instance(&self) -> &str {
        match self {
            Self::NotFound { instance, .. }
            | Self::Corrupt { instance, .. }
            | Self::InvalidRequest { instance, .. }
            | Self::Unsupported { instance, .. }
            | Self::Unavailable { instance, .. }
            | Self::Storage { instance, .. } => instance,
        }
    }

    /// A storage error of `instance`.
    pub fn storage(instance: &InstanceName, source: impl Into<BoxError>) -> Self {
        Self::Storage {
            instance: instance.clone(),
            source: source.into(),
        }
    }

    /// An invalid-request error of `instance` with a message.
    pub fn invalid(instance: &InstanceName, msg: impl Into<String>) -> Self {
        Self::InvalidRequest {
            instance: instance.clone(),
            source: Box::new(Message(msg.into())),
        }
    }

    /// A corrupt-data error of `instance`.
    pub fn corrupt(
        instance: &InstanceName,
        what: impl Into<String>,
        source: impl Into<BoxError>,
    ) -> Self {
        Self::Corrupt {
            instance: instance.clone(),
            what: what.into(),
            source: source.into(),
        }
    }

    /// An error of `kind` (where only the kind crossed a boundary, e.g. gRPC).
    pub fn from_kind(
        kind: ErrorKind,
        instance: &InstanceName,
        source: impl Into<BoxError>,
    ) -> Self {
        let instance = instance.clone();
        let source = source.into();
        match kind {
            ErrorKind::NotFound => Self::NotFound {
                instance,
                what: source.to_string(),
            },
            ErrorKind::Corrupt => Self::Corrupt {
                instance,
                what: "data".into(),
                source,
            },
            ErrorKind::InvalidRequest => Self::InvalidRequest { instance, source },
            ErrorKind::Unavailable | ErrorKind::Timeout => Self::Unavailable { instance, source },
            _ => Self::Storage { instance, source },
        }
    }
}

/// Creates the directory a database file `path` will be in; on failure, that
/// directory and why.
fn create_parent_dir(path: &std::path::Path) -> Result<(), (std::path::PathBuf, std::io::Error)> {
    match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(parent) => std::fs::create_dir_all(parent).map_err(|e| (parent.to_owned(), e)),
        None => Ok(()),
    }
}

/// Boxed services are services.
#[async_trait]
impl<T: PathInfoService + ?Sized> PathInfoService for std::sync::Arc<T> {
    async fn get(&self, hash: &StorePathHash) -> Result<Option<PathInfo>, PathInfoError> {
        (**self).get(hash).await
    }
    async fn has(&self, hash: &StorePathHash) -> Result<bool, PathInfoError> {
        (**self).has(hash).await
    }
    async fn put(&self, info: PathInfo) -> Result<PathInfo, PathInfoError> {
        (**self).put(info).await
    }
    fn list(&self) -> BoxStream<'static, Result<PathInfo, PathInfoError>> {
        (**self).list()
    }
}

#[cfg(test)]
pub(crate) mod tests;
