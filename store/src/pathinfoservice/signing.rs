//! [`SigningPathInfoService`]: signs every PathInfo put through it with a Nix
//! secret key (over the narinfo fingerprint, as `nix store sign`), then puts
//! it into `inner`. Reads pass through.

use std::sync::Arc;

use async_trait::async_trait;
use futures::stream::BoxStream;
use nix_compat::signature::SecretKey;
use tvix_castore::InstanceName;

use super::{PathInfoError, PathInfoService};
use crate::{PathInfo, StorePathHash};

/// Why a key file could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyFileError {
    /// Reading it failed.
    #[error("cannot read secret key file {0}")]
    Read(std::path::PathBuf, #[source] std::io::Error),
    /// It is not a Nix secret key (`name:base64`).
    #[error("invalid secret key in {0}")]
    Parse(std::path::PathBuf, #[source] nix_compat::signature::Error),
}

/// Reads a Nix secret key file (as written by `nix key generate-secret`).
pub fn read_key_file(path: &std::path::Path) -> Result<SecretKey, KeyFileError> {
    let text = std::fs::read_to_string(path).map_err(|e| KeyFileError::Read(path.to_owned(), e))?;
    SecretKey::parse(text.trim()).map_err(|e| KeyFileError::Parse(path.to_owned(), e))
}

/// Signs what is put, then stores it in `inner`.
pub struct SigningPathInfoService {
    name: InstanceName,
    inner: Arc<dyn PathInfoService>,
    key: Arc<SecretKey>,
}

impl std::fmt::Debug for SigningPathInfoService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningPathInfoService")
            .field("name", &self.name)
            .field("key", &self.key.name())
            .finish_non_exhaustive()
    }
}

impl SigningPathInfoService {
    /// Signs with `key` in front of `inner`.
    #[must_use]
    pub fn new(name: InstanceName, inner: Arc<dyn PathInfoService>, key: SecretKey) -> Self {
        Self {
            name,
            inner,
            key: Arc::new(key),
        }
    }
}

#[async_trait]
impl PathInfoService for SigningPathInfoService {
    async fn get(&self, hash: &StorePathHash) -> Result<Option<PathInfo>, PathInfoError> {
        self.inner.get(hash).await
    }

    async fn has(&self, hash: &StorePathHash) -> Result<bool, PathInfoError> {
        self.inner.has(hash).await
    }

    #[tracing::instrument(level = "trace", skip_all, fields(instance = %self.name, path = %info.store_path))]
    async fn put(&self, mut info: PathInfo) -> Result<PathInfo, PathInfoError> {
        info.sign(&self.key);
        self.inner.put(info).await
    }

    fn list(&self) -> BoxStream<'static, Result<PathInfo, PathInfoError>> {
        self.inner.list()
    }
}
