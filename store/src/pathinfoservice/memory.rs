//! [`MemoryPathInfoService`]: PathInfos in a `HashMap` in process memory.

use std::{collections::HashMap, sync::Arc};

use async_trait::async_trait;
use futures::stream::BoxStream;
use tokio::sync::RwLock;
use tvix_castore::InstanceName;

use super::{PathInfoError, PathInfoService};
use crate::{PathInfo, StorePathHash};

/// PathInfos in memory, lost when the process ends.
#[derive(Debug, Clone)]
pub struct MemoryPathInfoService {
    name: InstanceName,
    map: Arc<RwLock<HashMap<StorePathHash, PathInfo>>>,
}

impl MemoryPathInfoService {
    /// An empty service.
    #[must_use]
    pub fn new(name: InstanceName) -> Self {
        Self {
            name,
            map: Arc::default(),
        }
    }
}

#[async_trait]
impl PathInfoService for MemoryPathInfoService {
    #[tracing::instrument(level = "trace", skip_all, fields(instance = %self.name, hash = %hash))]
    async fn get(&self, hash: &StorePathHash) -> Result<Option<PathInfo>, PathInfoError> {
        Ok(self.map.read().await.get(hash).cloned())
    }

    #[tracing::instrument(level = "trace", skip_all, fields(instance = %self.name, path = %info.store_path))]
    async fn put(&self, info: PathInfo) -> Result<PathInfo, PathInfoError> {
        self.map.write().await.insert(info.hash(), info.clone());
        Ok(info)
    }

    fn list(&self) -> BoxStream<'static, Result<PathInfo, PathInfoError>> {
        let map = self.map.clone();
        Box::pin(async_stream_of(async move {
            map.read()
                .await
                .values()
                .cloned()
                .map(Ok)
                .collect::<Vec<_>>()
        }))
    }
}

/// A stream of the items a future produces.
pub(crate) fn async_stream_of<T: Send + 'static>(
    f: impl std::future::Future<Output = Vec<T>> + Send + 'static,
) -> impl futures::Stream<Item = T> + Send + 'static {
    use futures::StreamExt;
    futures::stream::once(f).flat_map(futures::stream::iter)
}
