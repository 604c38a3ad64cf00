//! [`CachePathInfoService`]: a `near` (fast, e.g. local or LRU) service in
//! front of a `far` (authoritative, e.g. remote) one. Reads try near, then
//! far, and copy a far hit into near. Writes go to far, then near, so near
//! never holds what far does not. Listing lists far.

use async_trait::async_trait;
use futures::stream::BoxStream;
use tvix_castore::InstanceName;

use super::{PathInfoError, PathInfoService};
use crate::{PathInfo, StorePathHash};

/// `near` in front of `far`.
pub struct CachePathInfoService {
    name: InstanceName,
    near: std::sync::Arc<dyn PathInfoService>,
    far: std::sync::Arc<dyn PathInfoService>,
}

impl std::fmt::Debug for CachePathInfoService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachePathInfoService")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl CachePathInfoService {
    /// `near` in front of `far`.
    #[must_use]
    pub fn new(
        name: InstanceName,
        near: std::sync::Arc<dyn PathInfoService>,
        far: std::sync::Arc<dyn PathInfoService>,
    ) -> Self {
        Self { name, near, far }
    }
}

#[async_trait]
impl PathInfoService for CachePathInfoService {
    #[tracing::instrument(level = "trace", skip_all, fields(instance = %self.name, hash = %hash))]
    async fn get(&self, hash: &StorePathHash) -> Result<Option<PathInfo>, PathInfoError> {
        match self.near.get(hash).await {
            Ok(Some(info)) => return Ok(Some(info)),
            Ok(None) => {}
            // A failing cache must not hide the far store.
            Err(e) => tracing::warn!(error = %e, "near store failed; asking far"),
        }
        let Some(info) = self.far.get(hash).await? else {
            return Ok(None);
        };
        if let Err(e) = self.near.put(info.clone()).await {
            tracing::warn!(error = %e, "cannot fill near store");
        }
        Ok(Some(info))
    }

    async fn has(&self, hash: &StorePathHash) -> Result<bool, PathInfoError> {
        if self.near.has(hash).await.unwrap_or(false) {
            return Ok(true);
        }
        self.far.has(hash).await
    }

    async fn put(&self, info: PathInfo) -> Result<PathInfo, PathInfoError> {
        let info = self.far.put(info).await?;
        self.near.put(info.clone()).await
    }

    fn list(&self) -> BoxStream<'static, Result<PathInfo, PathInfoError>> {
        self.far.list()
    }
}
