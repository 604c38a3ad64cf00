//! [`LocalBackend`]: a store in one local directory.
//!
//! Layout under the directory `DIR`: one redb database, `DIR/castore.redb`,
//! with four tables:
//! - `format`: the key `version` holds [`FORMAT_VERSION`]. A store without it
//!   (or with another number) is refused with [`OpenError::Format`]; a
//!   directory holding a non-empty `chunks/` subdirectory is the first
//!   layout (one file per chunk) and is refused the same way. An empty
//!   `chunks/` is ignored: binaries of the first layout create it when they
//!   open a newer store, before they fail.
//! - `chunks`: digest → one encoding byte, then the payload: `0` raw bytes;
//!   `1` a little-endian `u32` length followed by a zstd frame (level
//!   [`ZSTD_LEVEL`]). A chunk is stored compressed only if that saves at
//!   least 1/16 of its size, so incompressible data costs no decompression.
//! - `blobs`: digest → protobuf `StatBlobResponse` (the chunk list).
//! - `directories`: digest → canonical protobuf `Directory`.
//!
//! Keeping chunks in the database instead of one file each turns an import of
//! many small files into a few large sequential writes.
//!
//! Writes are group-committed: every writer queues its rows, and whoever finds
//! no commit running commits everything queued in one transaction and tells
//! each waiter the outcome. Chunk and blob rows are committed without fsync
//! (redb `Durability::None`); a batch holding directories,
//! [`BlobService::sync`], and a batch after 4 MiB of rows without fsync
//! (so redb can reuse freed pages) commit durably, and redb makes every earlier commit
//! durable with it. So once `sync` (or a directory put) returns, every blob
//! and chunk written before it is on disk, and after a crash the database is
//! the state of the last durable commit: never a blob whose chunks are
//! missing, never a directory whose blobs are. An import of many files thus
//! costs one fsync, not one per group of files.
//!
//! redb locks the database file: one process at a time may open a local store.
//! Chunk compression and reads run in place on the calling task (see
//! `LocalBackend::read_inline`); commits run on tokio's blocking pool.

use std::{
    cell::RefCell,
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
};

use async_trait::async_trait;
use bytes::Bytes;
use prost::Message;
use redb::{Durability, ReadableTable, ReadableTableMetadata, TableDefinition};

use crate::{
    B3Digest, BlobError, BlobMeta, BlobService, ChunkError, ChunkMeta, ChunkService, Closure,
    Directory, DirectoryError, DirectoryService, InstanceName, proto,
};

const FORMAT: TableDefinition<'_, &str, u64> = TableDefinition::new("format");
const CHUNKS: TableDefinition<'_, &[u8; 32], &[u8]> = TableDefinition::new("chunks");
const BLOBS: TableDefinition<'_, &[u8; 32], &[u8]> = TableDefinition::new("blobs");
const DIRECTORIES: TableDefinition<'_, &[u8; 32], &[u8]> = TableDefinition::new("directories");

/// The layout version this code reads and writes (the key `version` of the
/// `format` table). Version 1 (chunk files under `chunks/`) had no key.
pub const FORMAT_VERSION: u64 = 2;

/// zstd level of compressed chunks. Level 1 compresses about twice as fast
/// as 3 (the default of zstd) for a slightly larger store; frames of any
/// level decode the same way, so the level is not part of the layout.
pub const ZSTD_LEVEL: i32 = 1;

/// redb's page cache (redb's default is 1 GiB). Chunks are written once and
/// read once per render: caching them in the process only grew the resident
/// memory of an import or a `nar dump` to the size of the store (the kernel's
/// page cache keeps the file anyway).
const CACHE_SIZE: usize = 64 * 1024 * 1024;

/// Chunk encoding byte: the payload is the raw chunk.
const ENC_RAW: u8 = 0;
/// Chunk encoding byte: a `u32` LE length, then a zstd frame.
const ENC_ZSTD: u8 = 1;
/// Chunks shorter than this are stored raw without trying zstd.
const MIN_COMPRESS: usize = 128;

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
    /// The directory holds a store in a layout this version does not read.
    #[error(
        "{path}: store layout version {found} is not supported (this version reads {FORMAT_VERSION}); \
         there is no migration: move the directory away and import again"
    )]
    Format {
        /// The store directory.
        path: PathBuf,
        /// The version found (1: the first layout, with one file per chunk).
        found: u64,
    },
}

/// A store in a local directory (see the module docs).
#[derive(Debug, Clone)]
pub struct LocalBackend {
    name: InstanceName,
    db: Arc<redb::Database>,
    queue: Arc<Mutex<WriteQueue>>,
    /// Rows were committed without fsync since the last durable commit.
    dirty: Arc<std::sync::atomic::AtomicBool>,
}

/// Which table a queued row goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Table {
    Chunks,
    Blobs,
    Directories,
}

/// Rows waiting to be committed (group commit: whoever finds no commit
/// running commits everything queued, in one transaction, and tells each
/// waiter the outcome; see [`LocalBackend::write`]).
#[derive(Debug, Default)]
struct WriteQueue {
    pending: Vec<PendingWrite>,
    committing: bool,
    /// Bytes committed without fsync since the last durable commit.
    undurable: usize,
}

/// A batch is committed durably once this many bytes were committed without
/// fsync since the last durable commit. redb reuses the pages a commit frees
/// only after a durable commit, and a leaf holding chunks is copied whenever
/// a row is added to it: with one durable commit per import, the database
/// file grew to twice the data (tree of 310 MiB: 222 MB allocated with
/// durable blob commits, 433 MB with one durable commit per import; 333 MB
/// with this at 8 MiB, 278–288 MB at 4 MiB, for 51 fdatasyncs per import
/// instead of 1,290 and no measurable time).
const DURABLE_EVERY: usize = 4 * 1024 * 1024;

/// One queued write: its rows, whether it must be durable when it returns,
/// and where to send the commit's outcome (an error as text: the waiters of a
/// batch share one failure).
#[derive(Debug)]
struct PendingWrite {
    table: Table,
    rows: Vec<([u8; 32], Vec<u8>)>,
    durable: bool,
    done: tokio::sync::oneshot::Sender<Result<(), String>>,
}

thread_local! {
    /// A zstd compression context per blocking thread: creating one per chunk
    /// costs more than compressing a small chunk.
    static COMPRESSOR: RefCell<Option<zstd::bulk::Compressor<'static>>> = const { RefCell::new(None) };
    /// A zstd decompression context per blocking thread.
    static DECOMPRESSOR: RefCell<Option<zstd::bulk::Decompressor<'static>>> = const { RefCell::new(None) };
}

/// Encodes a chunk for the `chunks` table (see the module docs).
fn encode_chunk(data: &[u8]) -> std::io::Result<Vec<u8>> {
    if data.len() >= MIN_COMPRESS {
        let compressed = COMPRESSOR.with(|c| {
            let mut c = c.borrow_mut();
            let c = match &mut *c {
                Some(c) => c,
                slot => slot.insert(zstd::bulk::Compressor::new(ZSTD_LEVEL)?),
            };
            c.compress(data)
        })?;
        // Worth it only if it saves at least 1/16.
        if compressed.len() + 5 <= data.len() - data.len() / 16 {
            let len = u32::try_from(data.len()).map_err(std::io::Error::other)?;
            let mut out = Vec::with_capacity(compressed.len() + 5);
            out.push(ENC_ZSTD);
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(&compressed);
            return Ok(out);
        }
    }
    let mut out = Vec::with_capacity(data.len() + 1);
    out.push(ENC_RAW);
    out.extend_from_slice(data);
    Ok(out)
}

/// Decodes a row of the `chunks` table; the error says what is wrong.
fn decode_chunk(stored: &[u8]) -> Result<Vec<u8>, String> {
    match stored.split_first() {
        Some((&ENC_RAW, raw)) => Ok(raw.to_vec()),
        Some((&ENC_ZSTD, rest)) => {
            let (len, frame) = rest
                .split_first_chunk::<4>()
                .ok_or("truncated compressed chunk")?;
            let len = u32::from_le_bytes(*len) as usize;
            let data = DECOMPRESSOR
                .with(|d| {
                    let mut d = d.borrow_mut();
                    let d = match &mut *d {
                        Some(d) => d,
                        slot => slot.insert(zstd::bulk::Decompressor::new()?),
                    };
                    d.decompress(frame, len)
                })
                .map_err(|e| format!("cannot decompress: {e}"))?;
            if data.len() != len {
                return Err(format!(
                    "decompressed to {} bytes, the header says {len}",
                    data.len()
                ));
            }
            Ok(data)
        }
        Some((other, _)) => Err(format!("unknown chunk encoding {other}")),
        None => Err("empty chunk row".to_owned()),
    }
}

/// Whether `chunks` is the chunk directory of a layout-1 store: a directory
/// with at least one entry. An empty one is not: a layout-1 binary opening a
/// newer store creates it before it fails, and that must not make the store
/// unreadable for us.
fn holds_v1_chunks(chunks: &Path) -> bool {
    std::fs::read_dir(chunks).is_ok_and(|mut entries| entries.next().is_some())
}

impl LocalBackend {
    /// Opens (creating if needed) the store in `dir`.
    pub fn open(name: InstanceName, dir: &Path) -> Result<Self, OpenError> {
        std::fs::create_dir_all(dir).map_err(|source| OpenError::CreateDir {
            path: dir.to_owned(),
            source,
        })?;
        if holds_v1_chunks(&dir.join("chunks")) {
            return Err(OpenError::Format {
                path: dir.to_owned(),
                found: 1,
            });
        }
        let path = dir.join("castore.redb");
        let db_err = |e: redb::Error| OpenError::Database {
            path: path.clone(),
            source: Box::new(e),
        };
        let db = redb::Database::builder()
            .set_cache_size(CACHE_SIZE)
            .create(&path)
            .map_err(|e| db_err(e.into()))?;
        // Create every table, so readers never meet a missing one, and check
        // (or, for a new store, record) the layout version.
        let txn = db.begin_write().map_err(|e| db_err(e.into()))?;
        {
            let mut format = txn.open_table(FORMAT).map_err(|e| db_err(e.into()))?;
            let found = format
                .get("version")
                .map_err(|e| db_err(e.into()))?
                .map(|v| v.value());
            match found {
                Some(FORMAT_VERSION) => {}
                Some(found) => {
                    return Err(OpenError::Format {
                        path: dir.to_owned(),
                        found,
                    });
                }
                None => {
                    let blobs = txn.open_table(BLOBS).map_err(|e| db_err(e.into()))?;
                    if !blobs.is_empty().map_err(|e| db_err(e.into()))? {
                        // Blobs but no version: written by the first layout.
                        return Err(OpenError::Format {
                            path: dir.to_owned(),
                            found: 1,
                        });
                    }
                    format
                        .insert("version", FORMAT_VERSION)
                        .map_err(|e| db_err(e.into()))?;
                }
            }
        }
        txn.open_table(CHUNKS).map_err(|e| db_err(e.into()))?;
        txn.open_table(BLOBS).map_err(|e| db_err(e.into()))?;
        txn.open_table(DIRECTORIES).map_err(|e| db_err(e.into()))?;
        txn.commit().map_err(|e| db_err(e.into()))?;
        Ok(Self {
            name,
            db: Arc::new(db),
            queue: Arc::default(),
            dirty: Arc::default(),
        })
    }

    fn lock_queue(&self) -> std::sync::MutexGuard<'_, WriteQueue> {
        // A panic while holding the lock leaves a consistent queue (pushes
        // and takes are single operations), so a poisoned lock is usable.
        self.queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Queues rows for `table` and waits until they are committed (durably if
    /// `durable`). Waiting holds no thread: the first writer to find no
    /// commit running starts one on the blocking pool, which commits until
    /// the queue is empty.
    async fn write(
        &self,
        table: Table,
        rows: Vec<([u8; 32], Vec<u8>)>,
        durable: bool,
    ) -> Result<(), String> {
        let (done, rx) = tokio::sync::oneshot::channel();
        let lead = {
            let mut q = self.lock_queue();
            q.pending.push(PendingWrite {
                table,
                rows,
                durable,
                done,
            });
            !std::mem::replace(&mut q.committing, true)
        };
        if lead {
            let this = self.clone();
            // Detached: the committer answers every waiter through `done`;
            // if it panics, its senders drop and the waiters get an error.
            drop(tokio::task::spawn_blocking(move || this.commit_queued()));
        }
        match rx.await {
            Ok(outcome) => outcome,
            Err(e) => Err(format!("the commit was abandoned: {e}")),
        }
    }

    /// Commits queued writes in batches until the queue is empty, then gives
    /// up the committer role. Each batch is one transaction, durable if any of
    /// its writes asks for it, so concurrent writers share one fsync.
    ///
    /// The committer owns a handle on the database; it drops it before it
    /// answers the last batch, so a writer that drops its backend after its
    /// write returned can open the directory again at once (redb refuses a
    /// second open while any handle lives).
    fn commit_queued(self) {
        /// Gives up the committer role if a commit panics, so later writers
        /// are not left waiting for a committer that is gone.
        struct Release(Arc<Mutex<WriteQueue>>);
        impl Drop for Release {
            fn drop(&mut self) {
                if std::thread::panicking() {
                    self.0
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .committing = false;
                }
            }
        }
        let _release = Release(self.queue.clone());
        let Some(mut current) = self.take_batch() else {
            return;
        };
        loop {
            let (batch, durable) = current;
            let outcome = self
                .commit_batch(&batch, durable)
                .map_err(|e| e.to_string());
            let answer = |batch: Vec<PendingWrite>| {
                for w in batch {
                    // The waiter may have been cancelled; nothing to tell then.
                    let _ = w.done.send(outcome.clone());
                }
            };
            match self.take_batch() {
                Some(next) => {
                    answer(batch);
                    current = next;
                }
                None => {
                    // The last batch: release the database before answering.
                    drop(self);
                    answer(batch);
                    return;
                }
            }
        }
    }

    /// The queued writes as one batch and whether it must be durable; `None`
    /// (and the committer role given up) when nothing is queued.
    fn take_batch(&self) -> Option<(Vec<PendingWrite>, bool)> {
        let (batch, durable) = {
            let mut q = self.lock_queue();
            if q.pending.is_empty() {
                q.committing = false;
                return None;
            }
            let batch = std::mem::take(&mut q.pending);
            let bytes: usize = batch
                .iter()
                .flat_map(|w| &w.rows)
                .map(|(_, v)| v.len())
                .sum();
            q.undurable = q.undurable.saturating_add(bytes);
            let durable = batch.iter().any(|w| w.durable) || q.undurable >= DURABLE_EVERY;
            if durable {
                q.undurable = 0;
            }
            (batch, durable)
        };
        if !durable {
            self.dirty.store(true, std::sync::atomic::Ordering::SeqCst);
        }
        Some((batch, durable))
    }

    fn commit_batch(&self, batch: &[PendingWrite], durable: bool) -> Result<(), Box<redb::Error>> {
        let e = |e: redb::Error| Box::new(e);
        let mut txn = self.db.begin_write().map_err(|x| e(x.into()))?;
        if !durable {
            txn.set_durability(Durability::None);
        }
        for (which, def) in [
            (Table::Chunks, CHUNKS),
            (Table::Blobs, BLOBS),
            (Table::Directories, DIRECTORIES),
        ] {
            if !batch.iter().any(|w| w.table == which) {
                continue;
            }
            let mut t = txn.open_table(def).map_err(|x| e(x.into()))?;
            for w in batch.iter().filter(|w| w.table == which) {
                for (key, value) in &w.rows {
                    t.insert(key, value.as_slice()).map_err(|x| e(x.into()))?;
                }
            }
        }
        txn.commit().map_err(|x| e(x.into()))
    }

    /// Runs a read in place, on the calling task's thread. Reads are short
    /// (one value from redb's page cache, at most one chunk to decompress)
    /// and a hop to the blocking pool costs more than they do: rendering a
    /// NAR of many small files spent most of its time switching threads.
    async fn read_inline<T, E>(&self, f: impl FnOnce(Self) -> Result<T, E>) -> Result<T, E> {
        f(self.clone())
    }

    /// Reads one value of `table` and hands it to `f` while the read
    /// transaction is open (no copy of large values).
    fn read_with<T>(
        &self,
        table: TableDefinition<'_, &[u8; 32], &[u8]>,
        d: &B3Digest,
        f: impl FnOnce(&[u8]) -> T,
    ) -> Result<Option<T>, Box<redb::Error>> {
        let e = |e: redb::Error| Box::new(e);
        let txn = self.db.begin_read().map_err(|x| e(x.into()))?;
        let t = txn.open_table(table).map_err(|x| e(x.into()))?;
        Ok(t.get(d.as_bytes())
            .map_err(|x| e(x.into()))?
            .map(|v| f(v.value())))
    }
}

#[async_trait]
impl ChunkService for LocalBackend {
    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn has(&self, digest: &B3Digest) -> Result<bool, ChunkError> {
        let digest = *digest;
        self.read_inline(move |this| {
            this.read_with(CHUNKS, &digest, |_| ())
                .map(|v| v.is_some())
                .map_err(|e| ChunkError::storage(&this.name, e))
        })
        .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn get(&self, digest: &B3Digest) -> Result<Option<Bytes>, ChunkError> {
        let digest = *digest;
        self.read_inline(move |this| {
            match this
                .read_with(CHUNKS, &digest, decode_chunk)
                .map_err(|e| ChunkError::storage(&this.name, e))?
            {
                None => Ok(None),
                Some(Ok(data)) => Ok(Some(Bytes::from(data))),
                Some(Err(msg)) => Err(ChunkError::corrupt(&this.name, digest, msg)),
            }
        })
        .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn put(&self, data: Bytes) -> Result<B3Digest, ChunkError> {
        let digest = B3Digest::of(&data);
        self.put_hashed(digest, data).await
    }

    /// Trusts `digest` (computed by the caller in this process): the blob
    /// writer hashes every chunk already, a third BLAKE3 pass is waste.
    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn put_hashed(&self, digest: B3Digest, data: Bytes) -> Result<B3Digest, ChunkError> {
        // Compressing runs in place: the blob writer runs each chunk upload
        // as its own task, so chunks are compressed in parallel on the
        // runtime's workers without a hop to the blocking pool.
        let exists = self
            .read_with(CHUNKS, &digest, |_| ())
            .map_err(|e| ChunkError::storage(&self.name, e))?
            .is_some();
        let row = if exists {
            None
        } else {
            Some(encode_chunk(&data).map_err(|e| ChunkError::storage(&self.name, e))?)
        };
        if let Some(row) = row {
            self.write(Table::Chunks, vec![(*digest.as_bytes(), row)], false)
                .await
                .map_err(|msg| ChunkError::storage(&self.name, msg))?;
        }
        Ok(digest)
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
        self.read_inline(move |this| {
            let Some(decoded) = this
                .read_with(BLOBS, &digest, |v| proto::StatBlobResponse::decode(v))
                .map_err(|e| BlobError::storage(&this.name, e))?
            else {
                return Ok(None);
            };
            let p = decoded.map_err(|e| BlobError::corrupt(&this.name, digest, e.to_string()))?;
            let meta = meta_from_proto(p.chunks)
                .map_err(|e| BlobError::corrupt(&this.name, digest, e.to_string()))?;
            Ok(Some(meta))
        })
        .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn put_meta(&self, digest: &B3Digest, meta: BlobMeta) -> Result<(), BlobError> {
        let digest = *digest;
        let bytes = meta_to_proto(&meta).encode_to_vec();
        // Re-importing known contents: the same row is already stored (and
        // made durable by the next `sync` if it is not yet).
        let same = self
            .read_with(BLOBS, &digest, |v| v == bytes.as_slice())
            .map_err(|e| BlobError::storage(&self.name, e))?;
        if same == Some(true) {
            return Ok(());
        }
        self.write(Table::Blobs, vec![(*digest.as_bytes(), bytes)], false)
            .await
            .map_err(|msg| BlobError::storage(&self.name, msg))
    }

    /// One durable commit (if anything was committed without fsync since the
    /// last one): redb then makes every earlier commit durable.
    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn sync(&self) -> Result<(), BlobError> {
        if !self.dirty.swap(false, std::sync::atomic::Ordering::SeqCst) {
            return Ok(());
        }
        self.write(Table::Blobs, Vec::new(), true)
            .await
            .map_err(|msg| BlobError::storage(&self.name, msg))
    }
}

#[async_trait]
impl DirectoryService for LocalBackend {
    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn get(&self, digest: &B3Digest) -> Result<Option<Directory>, DirectoryError> {
        let digest = *digest;
        self.read_inline(move |this| {
            let Some(v) = this
                .read_with(DIRECTORIES, &digest, <[u8]>::to_vec)
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
        let last = items
            .last()
            .map(|(d, _)| *d)
            .ok_or_else(|| DirectoryError::invalid(&self.name, "no directories to store"))?;
        let rows = items
            .into_iter()
            .map(|(d, bytes)| (*d.as_bytes(), bytes.to_vec()))
            .collect();
        self.write(Table::Directories, rows, true)
            .await
            .map_err(|msg| DirectoryError::storage(&self.name, msg))?;
        Ok(last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Many concurrent `put_meta` calls share commits (group commit), and
    /// every one of them is stored and readable afterwards, also after the
    /// database is reopened.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_put_meta_all_land() {
        let dir = tempfile::tempdir().expect("tempdir");
        let backend = LocalBackend::open("local".into(), dir.path()).expect("open");
        let metas: Vec<(B3Digest, BlobMeta)> = (0..200u32)
            .map(|i| {
                let chunk = ChunkMeta {
                    digest: B3Digest::of(&i.to_le_bytes()),
                    size: 4,
                };
                (
                    B3Digest::of(&(i + 1000).to_le_bytes()),
                    BlobMeta {
                        chunks: vec![chunk],
                    },
                )
            })
            .collect();
        let tasks: Vec<_> = metas
            .iter()
            .cloned()
            .map(|(d, m)| {
                let b = backend.clone();
                tokio::spawn(async move { b.put_meta(&d, m).await })
            })
            .collect();
        for t in tasks {
            t.await.expect("task").expect("put_meta");
        }
        drop(backend);
        let backend = LocalBackend::open("local".into(), dir.path()).expect("reopen");
        for (d, m) in &metas {
            assert_eq!(backend.stat(d).await.expect("stat").as_ref(), Some(m));
        }
    }

    /// A backend dropped right after its write returned leaves the database
    /// closed: the committer releases its handle before answering, so the
    /// directory opens again at once (redb refuses a second open while any
    /// handle lives). Repeated, since the old order failed only sometimes.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reopens_right_after_a_write() {
        let dir = tempfile::tempdir().expect("tempdir");
        for i in 0..100u32 {
            let backend = LocalBackend::open("local".into(), dir.path()).expect("open");
            let meta = BlobMeta {
                chunks: vec![ChunkMeta {
                    digest: B3Digest::of(&i.to_le_bytes()),
                    size: 4,
                }],
            };
            backend
                .put_meta(&B3Digest::of(&(i + 7).to_le_bytes()), meta)
                .await
                .expect("put_meta");
        }
    }

    /// A directory of the first layout (chunk files under `chunks/`) is
    /// refused with a clear error instead of being read wrongly.
    #[test]
    fn old_layout_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("chunks/ab")).expect("mkdir");
        let err = LocalBackend::open("local".into(), dir.path()).expect_err("old layout");
        assert!(matches!(err, OpenError::Format { found: 1, .. }), "{err}");
        assert!(err.to_string().contains("layout version 1"), "{err}");
    }

    /// An empty `chunks/` directory (left by a layout-1 binary that opened
    /// this store and failed) does not make a layout-2 store unreadable, nor
    /// a new one.
    #[tokio::test]
    async fn empty_chunks_dir_is_not_layout_1() {
        let dir = tempfile::tempdir().expect("tempdir");
        let backend = LocalBackend::open("local".into(), dir.path()).expect("create");
        let meta = BlobMeta {
            chunks: vec![ChunkMeta {
                digest: B3Digest::of(b"x"),
                size: 1,
            }],
        };
        let d = B3Digest::of(b"blob");
        backend.put_meta(&d, meta.clone()).await.expect("put_meta");
        backend.sync().await.expect("sync");
        drop(backend);
        std::fs::create_dir(dir.path().join("chunks")).expect("mkdir");
        // The committer released the database before answering, so it opens
        // again at once.
        let backend = LocalBackend::open("local".into(), dir.path()).expect("reopen");
        assert_eq!(backend.stat(&d).await.expect("stat"), Some(meta));
        let fresh = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(fresh.path().join("chunks")).expect("mkdir");
        LocalBackend::open("local".into(), fresh.path()).expect("new store with empty chunks/");
    }

    /// A database recording another layout version is refused; one recording
    /// ours opens again.
    #[test]
    fn other_format_version_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        drop(LocalBackend::open("local".into(), dir.path()).expect("create"));
        drop(LocalBackend::open("local".into(), dir.path()).expect("reopen"));
        {
            let db = redb::Database::create(dir.path().join("castore.redb")).expect("db");
            let txn = db.begin_write().expect("txn");
            txn.open_table(FORMAT)
                .expect("table")
                .insert("version", 7)
                .expect("insert");
            txn.commit().expect("commit");
        }
        let err = LocalBackend::open("local".into(), dir.path()).expect_err("version 7");
        assert!(matches!(err, OpenError::Format { found: 7, .. }), "{err}");
    }

    /// Chunks round-trip through both encodings: compressible data is stored
    /// smaller than it is, random data and tiny chunks are stored raw.
    #[rstest::rstest]
    #[case::compressible(vec![b'a'; 100_000], ENC_ZSTD)]
    #[case::random(random_bytes(100_000), ENC_RAW)]
    #[case::tiny(b"hello".to_vec(), ENC_RAW)]
    #[case::empty(Vec::new(), ENC_RAW)]
    fn chunk_encoding_round_trips(#[case] data: Vec<u8>, #[case] enc: u8) {
        let row = encode_chunk(&data).expect("encode");
        assert_eq!(row[0], enc);
        if enc == ENC_ZSTD {
            assert!(row.len() < data.len() / 2);
        }
        assert_eq!(decode_chunk(&row).expect("decode"), data);
    }

    fn random_bytes(n: usize) -> Vec<u8> {
        let mut out = vec![0; n];
        blake3::Hasher::new().finalize_xof().fill(&mut out);
        out
    }

    /// Damaged chunk rows give an error naming the problem, not a panic.
    #[rstest::rstest]
    #[case::empty(vec![], "empty")]
    #[case::unknown(vec![9, 1, 2], "unknown chunk encoding 9")]
    #[case::truncated(vec![ENC_ZSTD, 1], "truncated")]
    #[case::bad_frame(vec![ENC_ZSTD, 3, 0, 0, 0, 1, 2, 3], "cannot decompress")]
    fn damaged_chunk_rows_are_errors(#[case] row: Vec<u8>, #[case] msg: &str) {
        let err = decode_chunk(&row).expect_err("damaged");
        assert!(err.contains(msg), "{err}");
    }
}
