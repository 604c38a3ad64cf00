//! [`LruPathInfoService`]: keeps the `capacity` most recently used PathInfos
//! in memory. On its own it is a bounded memory store; as the `near` side of
//! a [`cache`](super::cache) it bounds what the cache keeps.

use std::{
    collections::{BTreeMap, HashMap},
    num::NonZeroUsize,
    sync::{Arc, Mutex},
};

use async_trait::async_trait;
use futures::stream::BoxStream;
use tvix_castore::InstanceName;

use super::{PathInfoError, PathInfoService};
use crate::{PathInfo, StorePathHash};

/// Entries with their last use, and the uses in order.
#[derive(Debug, Default)]
struct Lru {
    tick: u64,
    entries: HashMap<StorePathHash, (u64, PathInfo)>,
    by_use: BTreeMap<u64, StorePathHash>,
}

impl Lru {
    fn touch(&mut self, hash: &StorePathHash) -> Option<PathInfo> {
        self.tick += 1;
        let tick = self.tick;
        let (used, info) = self.entries.get_mut(hash)?;
        self.by_use.remove(used);
        *used = tick;
        self.by_use.insert(tick, *hash);
        Some(info.clone())
    }

    fn insert(&mut self, info: PathInfo, capacity: usize) {
        let hash = info.hash();
        self.tick += 1;
        if let Some((used, _)) = self.entries.remove(&hash) {
            self.by_use.remove(&used);
        }
        self.entries.insert(hash, (self.tick, info));
        self.by_use.insert(self.tick, hash);
        while self.entries.len() > capacity {
            let Some((_, oldest)) = self.by_use.pop_first() else {
                break;
            };
            self.entries.remove(&oldest);
        }
    }
}

/// The most recently used PathInfos, in memory.
#[derive(Debug, Clone)]
pub struct LruPathInfoService {
    name: InstanceName,
    capacity: NonZeroUsize,
    lru: Arc<Mutex<Lru>>,
}

impl LruPathInfoService {
    /// An empty service keeping at most `capacity` entries.
    #[must_use]
    pub fn new(name: InstanceName, capacity: NonZeroUsize) -> Self {
        Self {
            name,
            capacity,
            lru: Arc::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Lru> {
        // A panic while holding the lock leaves consistent maps (every update
        // is a few infallible map operations), so a poisoned lock is usable.
        self.lru
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl PathInfoService for LruPathInfoService {
    #[tracing::instrument(level = "trace", skip_all, fields(instance = %self.name, hash = %hash))]
    async fn get(&self, hash: &StorePathHash) -> Result<Option<PathInfo>, PathInfoError> {
        Ok(self.lock().touch(hash))
    }

    async fn put(&self, info: PathInfo) -> Result<PathInfo, PathInfoError> {
        self.lock().insert(info.clone(), self.capacity.get());
        Ok(info)
    }

    fn list(&self) -> BoxStream<'static, Result<PathInfo, PathInfoError>> {
        let all: Vec<_> = self
            .lock()
            .entries
            .values()
            .map(|(_, i)| Ok(i.clone()))
            .collect();
        Box::pin(futures::stream::iter(all))
    }
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroUsize;

    use super::*;
    use crate::pathinfoservice::tests::fixture_info;

    #[tokio::test]
    async fn evicts_the_least_recently_used() {
        let svc = LruPathInfoService::new("lru".into(), NonZeroUsize::new(2).expect("2 > 0"));
        let (a, b, c) = (
            fixture_info("a", 1),
            fixture_info("b", 2),
            fixture_info("c", 3),
        );
        svc.put(a.clone()).await.expect("put a");
        svc.put(b.clone()).await.expect("put b");
        // Using a makes b the least recently used.
        assert!(svc.get(&a.hash()).await.expect("get a").is_some());
        svc.put(c.clone()).await.expect("put c");
        assert!(svc.get(&a.hash()).await.expect("get a").is_some());
        assert!(svc.get(&b.hash()).await.expect("get b").is_none());
        assert!(svc.get(&c.hash()).await.expect("get c").is_some());
    }
}
