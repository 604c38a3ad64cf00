//! [`LocalBackend`]: a store in one local directory.
//!
//! Layout under the directory `DIR`:
//! - `DIR/castore.redb`: a redb database with two tables, `blobs` (digest →
//!   protobuf `StatBlobResponse`, the chunk list) and `directories` (digest →
//!   canonical protobuf `Directory`). A closure is written in one transaction.
//! - `DIR/chunks/<first 2 hex digits>/<hex digest>.zst`: each chunk, zstd
//!   compressed (level 3), written to `DIR/tmp/` first and renamed into place,
//!   so a chunk file is either complete or absent.
//!
//! redb locks the database file: one process at a time may open a local store.
//! Blocking work (redb, files, compression) runs on tokio's blocking pool.

use std::{
    path::{Path, PathBuf},
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};

use async_trait::async_trait;
use bytes::Bytes;
use prost::Message;
use redb::TableDefinition;

use crate::{
    B3Digest, BlobError, BlobMeta, BlobService, ChunkError, ChunkMeta, ChunkService, Closure,
    Directory, DirectoryError, DirectoryService, InstanceName, error::ServiceError, proto,
};

const BLOBS: TableDefinition<'_, &[u8; 32], &[u8]> = TableDefinition::new("blobs");
const DIRECTORIES: TableDefinition<'_, &[u8; 32], &[u8]> = TableDefinition::new("directories");

/// zstd level of chunk files.
const ZSTD_LEVEL: i32 = 3;

/// Why a local store could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// The directory could not be created.
    #[error("cannot create {path}")]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The database could not be opened (for example, another process has it open).
    #[error("cannot open database {path}")]
    Database {
        /// The database file.
        path: PathBuf,
        /// Why.
        #[source]
        source: Box<redb::Error>,
    },
}

/// A store in a local directory (see the module docs).
#[derive(Debug, Clone)]
pub struct LocalBackend {
    name: InstanceName,
    root: Arc<Path>,
    db: Arc<redb::Database>,
    tmp_counter: Arc<AtomicU64>,
}

impl LocalBackend {
    /// Opens (creating if needed) the store in `dir`.
    pub fn open(name: InstanceName, dir: &Path) -> Result<Self, OpenError> {
        for sub in ["", "chunks", "tmp"] {
            let p = dir.join(sub);
            std::fs::create_dir_all(&p).map_err(|source| OpenError::CreateDir {
                path: p.clone(),
                source,
            })?;
        }
        let path = dir.join("castore.redb");
        let db_err = |e: redb::Error| OpenError::Database {
            path: path.clone(),
            source: Box::new(e),
        };
        let db = redb::Database::create(&path).map_err(|e| db_err(e.into()))?;
        // Create both tables, so readers never meet a missing table.
        let txn = db.begin_write().map_err(|e| db_err(e.into()))?;
        txn.open_table(BLOBS).map_err(|e| db_err(e.into()))?;
        txn.open_table(DIRECTORIES).map_err(|e| db_err(e.into()))?;
        txn.commit().map_err(|e| db_err(e.into()))?;
        Ok(Self {
            name,
            root: dir.into(),
            db: Arc::new(db),
            tmp_counter: Arc::new(AtomicU64::new(0)),
        })
    }

    fn chunk_path(&self, d: &B3Digest) -> PathBuf {
        let hex = d.to_hex();
        self.root
            .join("chunks")
            .join(&hex[..2])
            .join(format!("{hex}.zst"))
    }

    /// Runs blocking work on tokio's blocking pool.
    async fn blocking<T: Send + 'static, E: ServiceError>(
        &self,
        f: impl FnOnce(Self) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || f(this))
            .await
            .map_err(|e| E::storage(&self.name, Box::new(e)))?
    }

    fn read_value(
        &self,
        table: TableDefinition<'_, &[u8; 32], &[u8]>,
        d: &B3Digest,
    ) -> Result<Option<Vec<u8>>, Box<redb::Error>> {
        let e = |e: redb::Error| Box::new(e);
        let txn = self.db.begin_read().map_err(|x| e(x.into()))?;
        let t = txn.open_table(table).map_err(|x| e(x.into()))?;
        Ok(t.get(d.as_bytes())
            .map_err(|x| e(x.into()))?
            .map(|v| v.value().to_vec()))
    }
}

#[async_trait]
impl ChunkService for LocalBackend {
    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn has(&self, digest: &B3Digest) -> Result<bool, ChunkError> {
        tokio::fs::try_exists(self.chunk_path(digest))
            .await
            .map_err(|e| ChunkError::storage(&self.name, e))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn get(&self, digest: &B3Digest) -> Result<Option<Bytes>, ChunkError> {
        let digest = *digest;
        self.blocking(move |this| {
            let path = this.chunk_path(&digest);
            let f = match std::fs::File::open(&path) {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(ChunkError::storage(&this.name, e)),
            };
            let data = zstd::stream::decode_all(f).map_err(|e| {
                ChunkError::corrupt(&this.name, digest, format!("cannot decompress: {e}"))
            })?;
            Ok(Some(Bytes::from(data)))
        })
        .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn put(&self, data: Bytes) -> Result<B3Digest, ChunkError> {
        self.blocking(move |this| {
            let digest = B3Digest::of(&data);
            let path = this.chunk_path(&digest);
            if path.exists() {
                return Ok(digest);
            }
            let io = |e: std::io::Error| ChunkError::storage(&this.name, e);
            let compressed = zstd::bulk::compress(&data, ZSTD_LEVEL).map_err(io)?;
            let n = this.tmp_counter.fetch_add(1, Ordering::Relaxed);
            let tmp = this.root.join("tmp").join(format!(
                "{}.{}.{n}",
                digest.to_hex(),
                std::process::id()
            ));
            std::fs::write(&tmp, &compressed).map_err(io)?;
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(io)?;
            }
            std::fs::rename(&tmp, &path).map_err(io)?;
            Ok(digest)
        })
        .await
    }
}

pub(crate) fn meta_to_proto(meta: &BlobMeta) -> proto::StatBlobResponse {
    proto::StatBlobResponse {
        chunks: meta
            .chunks
            .iter()
            .map(|c| proto::stat_blob_response::ChunkMeta {
                digest: Bytes::copy_from_slice(c.digest.as_bytes()),
                size: c.size,
            })
            .collect(),
        bao: Bytes::new(),
    }
}

pub(crate) fn meta_from_proto(
    p: Vec<proto::stat_blob_response::ChunkMeta>,
) -> Result<BlobMeta, crate::DigestError> {
    let chunks = p
        .into_iter()
        .map(|c| {
            Ok(ChunkMeta {
                digest: B3Digest::try_from(&c.digest)?,
                size: c.size,
            })
        })
        .collect::<Result<_, crate::DigestError>>()?;
    Ok(BlobMeta { chunks })
}

#[async_trait]
impl BlobService for LocalBackend {
    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn stat(&self, digest: &B3Digest) -> Result<Option<BlobMeta>, BlobError> {
        let digest = *digest;
        self.blocking(move |this| {
            let Some(v) = this
                .read_value(BLOBS, &digest)
                .map_err(|e| BlobError::storage(&this.name, e))?
            else {
                return Ok(None);
            };
            let p = proto::StatBlobResponse::decode(v.as_slice())
                .map_err(|e| BlobError::corrupt(&this.name, digest, e.to_string()))?;
            let meta = meta_from_proto(p.chunks)
                .map_err(|e| BlobError::corrupt(&this.name, digest, e.to_string()))?;
            Ok(Some(meta))
        })
        .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn put_meta(&self, digest: &B3Digest, meta: BlobMeta) -> Result<(), BlobError> {
        let digest = *digest;
        self.blocking(move |this| {
            let e = |e: redb::Error| BlobError::storage(&this.name, e);
            let bytes = meta_to_proto(&meta).encode_to_vec();
            let txn = this.db.begin_write().map_err(|x| e(x.into()))?;
            {
                let mut t = txn.open_table(BLOBS).map_err(|x| e(x.into()))?;
                t.insert(digest.as_bytes(), bytes.as_slice())
                    .map_err(|x| e(x.into()))?;
            }
            txn.commit().map_err(|x| e(x.into()))
        })
        .await
    }
}

#[async_trait]
impl DirectoryService for LocalBackend {
    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn get(&self, digest: &B3Digest) -> Result<Option<Directory>, DirectoryError> {
        let digest = *digest;
        self.blocking(move |this| {
            let Some(v) = this
                .read_value(DIRECTORIES, &digest)
                .map_err(|e| DirectoryError::storage(&this.name, e))?
            else {
                return Ok(None);
            };
            if B3Digest::of(&v) != digest {
                return Err(DirectoryError::corrupt(
                    &this.name,
                    digest,
                    "stored bytes do not match the digest",
                ));
            }
            let dir = Directory::decode(&v)
                .map_err(|e| DirectoryError::corrupt(&this.name, digest, e.to_string()))?;
            Ok(Some(dir))
        })
        .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn put(&self, dir: Directory) -> Result<B3Digest, DirectoryError> {
        self.put_all(vec![(dir.digest(), dir.encode())]).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn get_closure(&self, root: &B3Digest) -> Result<Vec<Directory>, DirectoryError> {
        crate::directoryservice::get_closure_by_get(self, &self.name, root).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn put_closure(&self, closure: Closure) -> Result<B3Digest, DirectoryError> {
        let items = closure
            .leaves_first()
            .map(|(d, dir)| (*d, dir.encode()))
            .collect();
        self.put_all(items).await
    }
}

impl LocalBackend {
    /// Writes encoded directories in one transaction; returns the last digest.
    async fn put_all(&self, items: Vec<(B3Digest, Bytes)>) -> Result<B3Digest, DirectoryError> {
        self.blocking(move |this| {
            let e = |e: redb::Error| DirectoryError::storage(&this.name, e);
            let txn = this.db.begin_write().map_err(|x| e(x.into()))?;
            {
                let mut t = txn.open_table(DIRECTORIES).map_err(|x| e(x.into()))?;
                for (d, bytes) in &items {
                    t.insert(d.as_bytes(), bytes.as_ref())
                        .map_err(|x| e(x.into()))?;
                }
            }
            txn.commit().map_err(|x| e(x.into()))?;
            items
                .last()
                .map(|(d, _)| *d)
                .ok_or_else(|| DirectoryError::invalid(&this.name, "no directories to store"))
        })
        .await
    }
}
