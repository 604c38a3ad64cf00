//! [`SqlitePathInfoService`]: PathInfos in an SQLite database (feature
//! `sqlite`), in a schema of our own with one typed column per field, so the
//! database can be inspected and queried with the `sqlite3` shell:
//!
//! ```sql
//! CREATE TABLE pathinfo (
//!     digest     BLOB PRIMARY KEY NOT NULL,  -- the 20-byte store path digest
//!     path       TEXT NOT NULL,              -- the store path's basename, <hash>-<name>
//!     root_node  BLOB NOT NULL,              -- the castore root node (tvix.castore.v1.Node, unnamed)
//!     nar_size   INTEGER NOT NULL,
//!     nar_sha256 BLOB NOT NULL,              -- 32 bytes
//!     refs       TEXT NOT NULL,              -- reference basenames, space-separated (as narinfo)
//!     deriver    TEXT,                       -- basename of the .drv, or NULL
//!     sigs       TEXT NOT NULL,              -- signatures NAME:BASE64, one per line
//!     ca         TEXT                        -- content address as in narinfo, or NULL
//! ) WITHOUT ROWID;
//! ```
//!
//! `PRAGMA user_version` is the schema version (1); a database of another
//! version is refused. Rows are validated when read: a row that does not make
//! a valid PathInfo is a [`PathInfoError::Corrupt`] naming the digest. The
//! connection sits behind a mutex and every call runs on tokio's blocking
//! pool; files use SQLite's write-ahead log.

use std::{
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
};

use async_trait::async_trait;
use futures::stream::BoxStream;
use nix_compat::{nixhash::CAHash, signature::Signature, store_path::StorePath};
use prost::Message as _;
use rusqlite::{Connection, OptionalExtension, params};
use tvix_castore::{InstanceName, Message, Node};

use super::{PathInfoError, PathInfoService};
use crate::{PathInfo, StorePathHash};

/// The schema version this code reads and writes.
const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS pathinfo (
    digest     BLOB PRIMARY KEY NOT NULL CHECK (length(digest) = 20),
    path       TEXT NOT NULL,
    root_node  BLOB NOT NULL,
    nar_size   INTEGER NOT NULL,
    nar_sha256 BLOB NOT NULL CHECK (length(nar_sha256) = 32),
    refs       TEXT NOT NULL,
    deriver    TEXT,
    sigs       TEXT NOT NULL,
    ca         TEXT
) WITHOUT ROWID;";

const COLUMNS: &str = "path, root_node, nar_size, nar_sha256, refs, deriver, sigs, ca";

/// Why a database could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// The parent directory could not be created.
    #[error("cannot create directory {path}")]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// SQLite failed.
    #[error("cannot open PathInfo database {path}")]
    Database {
        /// The file (empty for an in-memory database).
        path: PathBuf,
        /// Why.
        #[source]
        source: rusqlite::Error,
    },
    /// The database has a schema version we do not know.
    #[error("PathInfo database {path} has schema version {found}, expected {SCHEMA_VERSION}")]
    Version {
        /// The file.
        path: PathBuf,
        /// The version found.
        found: i64,
    },
}

/// PathInfos in an SQLite database file (or in memory).
#[derive(Clone)]
pub struct SqlitePathInfoService {
    name: InstanceName,
    conn: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for SqlitePathInfoService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlitePathInfoService")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// One row, as stored.
struct Row {
    path: String,
    root_node: Vec<u8>,
    nar_size: i64,
    nar_sha256: Vec<u8>,
    refs: String,
    deriver: Option<String>,
    sigs: String,
    ca: Option<String>,
}

impl Row {
    fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            path: r.get(0)?,
            root_node: r.get(1)?,
            nar_size: r.get(2)?,
            nar_sha256: r.get(3)?,
            refs: r.get(4)?,
            deriver: r.get(5)?,
            sigs: r.get(6)?,
            ca: r.get(7)?,
        })
    }

    fn of(info: &PathInfo) -> Self {
        let join = |it: &mut dyn Iterator<Item = String>, sep: &str| -> String {
            it.collect::<Vec<_>>().join(sep)
        };
        Self {
            path: info.store_path.to_string(),
            root_node: tvix_castore::proto::Node::from(&info.node).encode_to_vec(),
            // NAR sizes fit in i64 (SQLite's integer); larger ones are
            // stored wrapped and refused when read back.
            nar_size: info.nar_size as i64,
            nar_sha256: info.nar_sha256.to_vec(),
            refs: join(&mut info.references.iter().map(|r| r.to_string()), " "),
            deriver: info.deriver.as_ref().map(|d| d.to_string()),
            sigs: join(&mut info.signatures.iter().map(|s| s.to_string()), "\n"),
            ca: info.ca.as_ref().map(|c| c.to_string()),
        }
    }

    /// The PathInfo this row describes, or what is wrong with it.
    fn into_info(self) -> Result<PathInfo, String> {
        let path = |s: &str| {
            StorePath::<String>::from_bytes(s.as_bytes())
                .map(|p| p.to_owned())
                .map_err(|e| format!("store path {s:?}: {e}"))
        };
        let node = tvix_castore::proto::Node::decode(self.root_node.as_slice())
            .map_err(|e| format!("root node: {e}"))
            .and_then(|n| Node::try_from(n).map_err(|e| format!("root node: {e}")))?;
        Ok(PathInfo {
            store_path: path(&self.path)?,
            node,
            references: self
                .refs
                .split(' ')
                .filter(|r| !r.is_empty())
                .map(path)
                .collect::<Result<_, _>>()?,
            nar_size: u64::try_from(self.nar_size)
                .map_err(|_| format!("negative NAR size {}", self.nar_size))?,
            nar_sha256: self
                .nar_sha256
                .as_slice()
                .try_into()
                .map_err(|_| format!("NAR SHA-256 of {} bytes", self.nar_sha256.len()))?,
            deriver: self.deriver.as_deref().map(path).transpose()?,
            signatures: self
                .sigs
                .lines()
                .map(|s| {
                    Signature::parse(s)
                        .map(|s| s.to_owned())
                        .map_err(|e| format!("signature {s:?}: {e}"))
                })
                .collect::<Result<_, _>>()?,
            ca: self
                .ca
                .as_deref()
                .map(|c| CAHash::parse(c).map_err(|e| format!("content address {c:?}: {e}")))
                .transpose()?,
        })
    }
}

impl SqlitePathInfoService {
    /// Opens (creating it and its directory if needed) the database at `path`.
    pub fn open(name: InstanceName, path: &Path) -> Result<Self, OpenError> {
        super::create_parent_dir(path)
            .map_err(|(path, source)| OpenError::CreateDir { path, source })?;
        let err = |source| OpenError::Database {
            path: path.to_owned(),
            source,
        };
        let conn = Connection::open(path).map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        Self::init(name, conn, path)
    }

    /// A temporary database in memory.
    pub fn in_memory(name: InstanceName) -> Result<Self, OpenError> {
        let conn = Connection::open_in_memory().map_err(|source| OpenError::Database {
            path: PathBuf::new(),
            source,
        })?;
        Self::init(name, conn, Path::new(""))
    }

    fn init(name: InstanceName, conn: Connection, path: &Path) -> Result<Self, OpenError> {
        let err = |source| OpenError::Database {
            path: path.to_owned(),
            source,
        };
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(err)?;
        match version {
            0 => {
                conn.execute_batch(SCHEMA).map_err(err)?;
                conn.pragma_update(None, "user_version", SCHEMA_VERSION)
                    .map_err(err)?;
            }
            SCHEMA_VERSION => {}
            found => {
                return Err(OpenError::Version {
                    path: path.to_owned(),
                    found,
                });
            }
        }
        Ok(Self {
            name,
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, PathInfoError> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            // A panic while holding the lock leaves the connection usable:
            // every statement is its own transaction.
            let conn = conn.lock().unwrap_or_else(|e| e.into_inner());
            f(&conn)
        })
        .await
        .map_err(|e| PathInfoError::storage(&self.name, e))?
        .map_err(|e| PathInfoError::storage(&self.name, e))
    }

    fn corrupt(&self, what: String, why: String) -> PathInfoError {
        PathInfoError::corrupt(&self.name, what, Message(why))
    }
}

#[async_trait]
impl PathInfoService for SqlitePathInfoService {
    #[tracing::instrument(level = "trace", skip_all, fields(instance = %self.name, hash = %hash))]
    async fn get(&self, hash: &StorePathHash) -> Result<Option<PathInfo>, PathInfoError> {
        let key = hash.0;
        let row = self
            .blocking(move |c| {
                c.prepare_cached(&format!("SELECT {COLUMNS} FROM pathinfo WHERE digest = ?1"))?
                    .query_row(params![key.as_slice()], Row::read)
                    .optional()
            })
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let what = || format!("PathInfo {hash}");
        let info = row.into_info().map_err(|e| self.corrupt(what(), e))?;
        if info.hash() != *hash {
            return Err(self.corrupt(
                what(),
                format!("stored under the wrong key (it is {})", info.store_path),
            ));
        }
        Ok(Some(info))
    }

    async fn has(&self, hash: &StorePathHash) -> Result<bool, PathInfoError> {
        let key = hash.0;
        self.blocking(move |c| {
            c.prepare_cached("SELECT 1 FROM pathinfo WHERE digest = ?1")?
                .exists(params![key.as_slice()])
        })
        .await
    }

    #[tracing::instrument(level = "trace", skip_all, fields(instance = %self.name, path = %info.store_path))]
    async fn put(&self, info: PathInfo) -> Result<PathInfo, PathInfoError> {
        let key = info.hash().0;
        let r = Row::of(&info);
        self.blocking(move |c| {
            c.prepare_cached(&format!(
                "INSERT OR REPLACE INTO pathinfo (digest, {COLUMNS}) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
            ))?
            .execute(params![
                key.as_slice(),
                r.path,
                r.root_node,
                r.nar_size,
                r.nar_sha256,
                r.refs,
                r.deriver,
                r.sigs,
                r.ca
            ])
        })
        .await?;
        Ok(info)
    }

    fn list(&self) -> BoxStream<'static, Result<PathInfo, PathInfoError>> {
        let this = self.clone();
        Box::pin(super::memory::async_stream_of(async move {
            let rows = this
                .blocking(|c| {
                    let mut stmt = c.prepare(&format!("SELECT {COLUMNS} FROM pathinfo"))?;
                    let rows = stmt.query_map([], Row::read)?;
                    rows.collect::<rusqlite::Result<Vec<_>>>()
                })
                .await;
            match rows {
                Ok(rows) => rows
                    .into_iter()
                    .map(|r| {
                        let path = r.path.clone();
                        r.into_info()
                            .map_err(|e| this.corrupt(format!("PathInfo {path}"), e))
                    })
                    .collect(),
                Err(e) => vec![Err(e)],
            }
        }))
    }
}
