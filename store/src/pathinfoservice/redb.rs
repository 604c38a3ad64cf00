//! [`RedbPathInfoService`]: PathInfos in a redb database, one table
//! `pathinfo` from the 20-byte store path digest to the protobuf encoding of
//! the PathInfo (tvix's layout). Values are validated when read; blocking
//! database calls run on tokio's blocking pool.

// redb's error type is large (160 bytes); here it only crosses the blocking
// boundary once per call before becoming a PathInfoError, so boxing it buys
// nothing.
#![allow(clippy::result_large_err)]

use std::{path::Path, sync::Arc};

use async_trait::async_trait;
use futures::stream::BoxStream;
use redb::{ReadableTable, TableDefinition};
use tvix_castore::InstanceName;

use super::{PathInfoError, PathInfoService};
use crate::{PathInfo, StorePathHash, proto};

const TABLE: TableDefinition<'_, &[u8; 20], &[u8]> = TableDefinition::new("pathinfo");

/// Why a database could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// The parent directory could not be created.
    #[error("cannot create directory {path}")]
    CreateDir {
        /// The directory.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// redb failed.
    #[error("cannot open PathInfo database {path}")]
    Database {
        /// The file (empty for an in-memory database).
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: Box<redb::Error>,
    },
}

/// PathInfos in a redb database file (or in memory).
#[derive(Clone)]
pub struct RedbPathInfoService {
    name: InstanceName,
    db: Arc<redb::Database>,
}

impl std::fmt::Debug for RedbPathInfoService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedbPathInfoService")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl RedbPathInfoService {
    /// Opens (creating it and its directory if needed) the database at `path`.
    pub fn open(name: InstanceName, path: &Path) -> Result<Self, OpenError> {
        super::create_parent_dir(path)
            .map_err(|(path, source)| OpenError::CreateDir { path, source })?;
        let err = |e: redb::Error| OpenError::Database {
            path: path.to_owned(),
            source: Box::new(e),
        };
        let db = redb::Database::create(path).map_err(|e| err(e.into()))?;
        Self::init(name, db).map_err(err)
    }

    /// A temporary database in memory.
    pub fn in_memory(name: InstanceName) -> Result<Self, OpenError> {
        let err = |e: redb::Error| OpenError::Database {
            path: std::path::PathBuf::new(),
            source: Box::new(e),
        };
        let db = redb::Database::builder()
            .create_with_backend(redb::backends::InMemoryBackend::new())
            .map_err(|e| err(e.into()))?;
        Self::init(name, db).map_err(err)
    }

    fn init(name: InstanceName, db: redb::Database) -> Result<Self, redb::Error> {
        // Create the table, so readers never meet a missing one.
        let txn = db.begin_write()?;
        txn.open_table(TABLE)?;
        txn.commit()?;
        Ok(Self {
            name,
            db: Arc::new(db),
        })
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&redb::Database) -> Result<T, redb::Error> + Send + 'static,
    ) -> Result<T, PathInfoError> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || f(&db))
            .await
            .map_err(|e| PathInfoError::storage(&self.name, e))?
            .map_err(|e| PathInfoError::storage(&self.name, e))
    }
}

#[async_trait]
impl PathInfoService for RedbPathInfoService {
    #[tracing::instrument(level = "trace", skip_all, fields(instance = %self.name, hash = %hash))]
    async fn get(&self, hash: &StorePathHash) -> Result<Option<PathInfo>, PathInfoError> {
        let key = hash.0;
        let bytes = self
            .blocking(move |db| {
                let txn = db.begin_read()?;
                let t = txn.open_table(TABLE)?;
                Ok(t.get(&key)?.map(|v| v.value().to_vec()))
            })
            .await?;
        let Some(bytes) = bytes else {
            return Ok(None);
        };
        let info = proto::decode(&bytes)
            .map_err(|e| PathInfoError::corrupt(&self.name, format!("PathInfo {hash}"), e))?;
        if info.hash() != *hash {
            return Err(PathInfoError::corrupt(
                &self.name,
                format!("PathInfo {hash}"),
                tvix_castore::Message(format!(
                    "stored under the wrong key (it is {})",
                    info.store_path
                )),
            ));
        }
        Ok(Some(info))
    }

    #[tracing::instrument(level = "trace", skip_all, fields(instance = %self.name, path = %info.store_path))]
    async fn put(&self, info: PathInfo) -> Result<PathInfo, PathInfoError> {
        let key = info.hash().0;
        let bytes = proto::encode(&info);
        self.blocking(move |db| {
            let txn = db.begin_write()?;
            {
                let mut t = txn.open_table(TABLE)?;
                t.insert(&key, bytes.as_slice())?;
            }
            txn.commit()?;
            Ok(())
        })
        .await?;
        Ok(info)
    }

    fn list(&self) -> BoxStream<'static, Result<PathInfo, PathInfoError>> {
        let this = self.clone();
        Box::pin(super::memory::async_stream_of(async move {
            let name = this.name.clone();
            let all = this
                .blocking(|db| {
                    let txn = db.begin_read()?;
                    let t = txn.open_table(TABLE)?;
                    let mut out = Vec::new();
                    for item in t.iter()? {
                        let (_, v) = item?;
                        out.push(v.value().to_vec());
                    }
                    Ok(out)
                })
                .await;
            match all {
                Ok(values) => values
                    .into_iter()
                    .map(|b| {
                        proto::decode(&b)
                            .map_err(|e| PathInfoError::corrupt(&name, "a stored PathInfo", e))
                    })
                    .collect(),
                Err(e) => vec![Err(e)],
            }
        }))
    }
}
