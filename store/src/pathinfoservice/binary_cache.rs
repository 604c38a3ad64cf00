//! [`BinaryCachePathInfoService`]: a Nix binary cache, in a local directory
//! (`file:///DIR`, as C++ Nix's `file://` store) or on an HTTP(S) server
//! (`http://…`, `https://…`, as C++ Nix's `HttpBinaryCacheStore`; feature
//! `http`), read and written in C++ Nix's layout: `nix-cache-info`,
//! `<hash>.narinfo`, `nar/<filehash>.nar<ext>`. Every URL may carry a `nix+`
//! prefix (`nix+file://`, `nix+http://`, `nix+https://`).
//!
//! - `get` reads the narinfo, checks its signatures against the trusted keys
//!   (when any are configured; a content-addressed path whose address computes
//!   to it needs none, as in C++ Nix), then decompresses (`none`, `xz`, `zstd`,
//!   `bzip2`) and ingests the NAR into the castore store, checking its size,
//!   hash and content address. The download is a progress span counting
//!   bytes. Every `get` ingests again: put a `cache` with a local near store
//!   in front to keep results. A narinfo found missing is remembered as
//!   missing for `narinfo-negative-ttl` seconds (default 60 over HTTP, 0 for a
//!   directory), so closures that ask again do not hit the server again.
//! - `put` renders the path's NAR from the castore store, compresses it
//!   (`compression=`, default `xz` as C++ Nix), writes it under its file hash,
//!   then the narinfo (signed with `secret-key=` if given). In a directory,
//!   files are written to a temporary name and renamed, so readers never see
//!   partial files; over HTTP each file is one `PUT` (the compressed NAR is
//!   held in memory, as C++ Nix does), the narinfo last.
//! - Over HTTP, `nix-cache-info` is fetched once, before the first request: a
//!   server without one is "not a binary cache" for reading, and gets one
//!   uploaded before the first `put` (`has` on such a server is `false`). 404 and 403 mean "no such file", as in
//!   C++ Nix; server errors (5xx) and connection failures are
//!   [`PathInfoError::Unavailable`].
//!
//! URL options: `compression=none|xz|zstd|bzip2`, `secret-key=PATH` (a Nix
//! secret key file), `trusted-public-keys=KEY KEY…`,
//! `narinfo-negative-ttl=SECONDS`; `priority=` and `want-mass-query=` are
//! accepted and ignored (they order substituters in C++ Nix).

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    pin::Pin,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    task::{Context, Poll},
    time::{Duration, Instant},
};

use async_compression::tokio::{bufread, write};
use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;
use nix_compat::{
    narinfo::{self, CacheInfo, NarInfo},
    nixhash::NixHash,
    signature::{SecretKey, TrustedKeys},
    store_path::STORE_DIR,
};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, BufReader, ReadBuf};
use tracing::Instrument;
use tvix_castore::{InstanceName, Message, Store};
use tvix_tracing::{ProgressSpanExt, ProgressStyle};

use super::{PathInfoError, PathInfoService};
use crate::{
    PathInfo, StorePathHash,
    nar::{ExpectedNar, IngestOptions, RenderOptions, ingest_nar, write_nar},
};

#[cfg(feature = "http")]
mod http;

/// Compression methods we read and write.
const METHODS: &[&str] = &["none", "xz", "zstd", "bzip2"];

/// How long a missing narinfo is remembered over HTTP, by default.
#[cfg(feature = "http")]
const HTTP_NEGATIVE_TTL: Duration = Duration::from_secs(60);

/// At most this many missing narinfos are remembered; past it, expired
/// entries are dropped, and if none expired, all of them.
const NEGATIVE_CAPACITY: usize = 65_536;

/// Why a binary cache URL or its options are invalid.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BinaryCacheConfigError {
    /// Not a `file:///DIR`, `http://…` or `https://…` URL (optionally `nix+`).
    #[error("{0:?} is not a binary cache URL (file:///DIR, http://HOST/PATH or https://HOST/PATH)")]
    Url(String),
    /// An `http(s)://` URL, but this build has no HTTP client.
    #[error("{0:?}: HTTP binary caches need tvix-store's `http` feature")]
    NoHttp(String),
    /// An unsupported `compression=`.
    #[error("unsupported compression {0:?} (supported: none, xz, zstd, bzip2)")]
    Compression(String),
    /// An unknown URL option, or an option with an invalid value.
    #[error("unknown binary cache option {0:?}")]
    Option(String),
    /// The secret key file could not be read or parsed.
    #[error("cannot use secret key file {path}")]
    SecretKey {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: BoxedError,
    },
    /// The directory's `nix-cache-info` is unreadable or for another store directory.
    #[error("invalid nix-cache-info in {dir}")]
    CacheInfo {
        /// The cache directory.
        dir: PathBuf,
        /// Why.
        #[source]
        source: BoxedError,
    },
    /// `trusted-public-keys` could not be parsed.
    #[error("invalid trusted-public-keys")]
    TrustedKeys(#[source] nix_compat::signature::Error),
    /// The HTTP client could not be set up.
    #[error("cannot set up the HTTP client")]
    HttpClient(#[source] BoxedError),
}

type BoxedError = tvix_castore::BoxError;

/// A reader of one file of the cache.
type FileReader = Box<dyn AsyncRead + Send + Unpin>;

/// Where the cache's files are.
#[derive(Debug, Clone)]
enum Transport {
    /// A local directory.
    Dir(PathBuf),
    /// An HTTP(S) server.
    #[cfg(feature = "http")]
    Http(http::HttpCache),
}

/// A Nix binary cache in a local directory or on an HTTP server.
#[derive(Clone)]
pub struct BinaryCachePathInfoService {
    name: InstanceName,
    transport: Transport,
    store: Store,
    compression: &'static str,
    secret_key: Option<Arc<SecretKey>>,
    trusted: Option<Arc<TrustedKeys>>,
    tmp_counter: Arc<AtomicU64>,
    /// `nix-cache-info` was checked (and written, for `put`).
    cache_info: Arc<tokio::sync::OnceCell<()>>,
    negative_ttl: Duration,
    negative: Arc<Mutex<HashMap<StorePathHash, Instant>>>,
}

impl std::fmt::Debug for BinaryCachePathInfoService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BinaryCachePathInfoService")
            .field("name", &self.name)
            .field("transport", &self.transport)
            .field("compression", &self.compression)
            .finish_non_exhaustive()
    }
}

impl BinaryCachePathInfoService {
    /// The cache a URL `file:///DIR?opts`, `http://HOST/PATH?opts` or
    /// `https://HOST/PATH?opts` (each optionally prefixed `nix+`) describes;
    /// NARs are ingested into and rendered from `store`. HTTP caches share
    /// one HTTP client per process.
    pub fn from_url(
        name: InstanceName,
        url: &str,
        store: Store,
    ) -> Result<Self, BinaryCacheConfigError> {
        let bad = || BinaryCacheConfigError::Url(url.to_owned());
        let u = ::url::Url::parse(url).map_err(|_| bad())?;
        let scheme = u.scheme().strip_prefix("nix+").unwrap_or(u.scheme());
        let (transport, mut negative_ttl) = match scheme {
            "file" => {
                if u.host_str().is_some_and(|h| !h.is_empty()) || u.path().len() <= 1 {
                    return Err(bad());
                }
                (Transport::Dir(PathBuf::from(u.path())), Duration::ZERO)
            }
            #[cfg(feature = "http")]
            "http" | "https" => {
                if u.host_str().is_none_or(str::is_empty) {
                    return Err(bad());
                }
                let t =
                    http::HttpCache::new(&u, scheme).map_err(BinaryCacheConfigError::HttpClient)?;
                (Transport::Http(t), HTTP_NEGATIVE_TTL)
            }
            #[cfg(not(feature = "http"))]
            "http" | "https" => return Err(BinaryCacheConfigError::NoHttp(url.to_owned())),
            _ => return Err(bad()),
        };
        let mut compression = "xz";
        let mut secret_key = None;
        let mut trusted = None;
        for (k, v) in u.query_pairs() {
            match &*k {
                "compression" => {
                    compression = METHODS
                        .iter()
                        .find(|m| **m == v)
                        .ok_or_else(|| BinaryCacheConfigError::Compression(v.to_string()))?;
                }
                "secret-key" => {
                    let path = PathBuf::from(&*v);
                    let key = std::fs::read_to_string(&path)
                        .map_err(BoxedError::from)
                        .and_then(|s| SecretKey::parse(s.trim()).map_err(BoxedError::from))
                        .map_err(|source| BinaryCacheConfigError::SecretKey { path, source })?;
                    secret_key = Some(Arc::new(key));
                }
                "trusted-public-keys" => {
                    trusted = Some(Arc::new(
                        TrustedKeys::parse_list(&v).map_err(BinaryCacheConfigError::TrustedKeys)?,
                    ));
                }
                "narinfo-negative-ttl" => {
                    let secs: u64 = v
                        .parse()
                        .map_err(|_| BinaryCacheConfigError::Option(format!("{k}={v}")))?;
                    negative_ttl = Duration::from_secs(secs);
                }
                // They order substituters in C++ Nix; one cache has no use for them.
                "priority" | "want-mass-query" => {}
                other => return Err(BinaryCacheConfigError::Option(other.to_owned())),
            }
        }
        #[allow(
            irrefutable_let_patterns,
            reason = "without `http`, Dir is the only transport"
        )]
        if let Transport::Dir(dir) = &transport {
            check_cache_info(dir).map_err(|source| BinaryCacheConfigError::CacheInfo {
                dir: dir.clone(),
                source,
            })?;
        }
        Ok(Self {
            name,
            transport,
            store,
            compression,
            secret_key,
            trusted,
            tmp_counter: Arc::default(),
            cache_info: Arc::default(),
            negative_ttl,
            negative: Arc::default(),
        })
    }

    fn storage(&self, what: &str, e: impl Into<BoxedError>) -> PathInfoError {
        PathInfoError::Storage {
            instance: self.name.clone(),
            source: Box::new(Wrapped(what.to_owned(), e.into())),
        }
    }

    fn tmp_path(&self, dir: &Path) -> PathBuf {
        let n = self.tmp_counter.fetch_add(1, Ordering::Relaxed);
        dir.join(format!(".tmp-{}-{n}", std::process::id()))
    }

    /// The contents of the file `rel`, or `None` if there is none.
    async fn read_file(&self, rel: &str) -> Result<Option<Bytes>, PathInfoError> {
        match &self.transport {
            Transport::Dir(dir) => {
                let file = dir.join(rel);
                match tokio::fs::read(&file).await {
                    Ok(t) => Ok(Some(t.into())),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(self.storage(&format!("reading {}", file.display()), e)),
                }
            }
            #[cfg(feature = "http")]
            Transport::Http(h) => h.get(&self.name, rel).await,
        }
    }

    /// A reader of the file `rel` and its size if known, or `None` if there is none.
    async fn open_file(
        &self,
        rel: &str,
    ) -> Result<Option<(FileReader, Option<u64>)>, PathInfoError> {
        match &self.transport {
            Transport::Dir(dir) => {
                let file = dir.join(rel);
                match tokio::fs::File::open(&file).await {
                    Ok(f) => {
                        let len = f.metadata().await.ok().map(|m| m.len());
                        Ok(Some((Box::new(f), len)))
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(self.storage(&format!("opening {}", file.display()), e)),
                }
            }
            #[cfg(feature = "http")]
            Transport::Http(h) => h.open(&self.name, rel).await,
        }
    }

    /// Whether the file `rel` exists.
    async fn file_exists(&self, rel: &str) -> Result<bool, PathInfoError> {
        match &self.transport {
            Transport::Dir(dir) => {
                let file = dir.join(rel);
                tokio::fs::try_exists(&file)
                    .await
                    .map_err(|e| self.storage(&format!("checking {}", file.display()), e))
            }
            #[cfg(feature = "http")]
            Transport::Http(h) => h.exists(&self.name, rel).await,
        }
    }

    /// Writes `data` to the file `rel` (atomically, in a directory).
    async fn write_file(
        &self,
        rel: &str,
        data: Bytes,
        content_type: &'static str,
    ) -> Result<(), PathInfoError> {
        match &self.transport {
            Transport::Dir(dir) => {
                let _ = content_type;
                let tmp = self.tmp_path(dir);
                tokio::fs::write(&tmp, &data)
                    .await
                    .map_err(|e| self.storage(&format!("writing {}", tmp.display()), e))?;
                let dest = dir.join(rel);
                tokio::fs::rename(&tmp, &dest)
                    .await
                    .map_err(|e| self.storage(&format!("renaming to {}", dest.display()), e))
            }
            #[cfg(feature = "http")]
            Transport::Http(h) => h.put(&self.name, rel, data, content_type).await,
        }
    }

    /// Checks `nix-cache-info` once; `false` if there is none. With `write`,
    /// a missing one is written (and a directory's `nar/` created). A
    /// directory without one is an empty cache (`true`).
    async fn ensure_cache_info(&self, write: bool) -> Result<bool, PathInfoError> {
        #[allow(
            irrefutable_let_patterns,
            reason = "without `http`, Dir is the only transport"
        )]
        if let Transport::Dir(dir) = &self.transport {
            if write {
                let nar_dir = dir.join("nar");
                tokio::fs::create_dir_all(&nar_dir)
                    .await
                    .map_err(|e| self.storage(&format!("creating {}", nar_dir.display()), e))?;
            }
        }
        if self.cache_info.initialized() {
            return Ok(true);
        }
        match self.read_file(narinfo::CACHE_INFO_FILE).await? {
            Some(text) => {
                let text = String::from_utf8_lossy(&text);
                CacheInfo::parse(&text)
                    .map_err(BoxedError::from)
                    .and_then(|i| i.check_store_dir(STORE_DIR).map_err(BoxedError::from))
                    .map_err(|e| PathInfoError::corrupt(&self.name, narinfo::CACHE_INFO_FILE, e))?;
            }
            None if write => {
                let text = CacheInfo::new(STORE_DIR).to_string();
                self.write_file(
                    narinfo::CACHE_INFO_FILE,
                    text.into(),
                    "text/x-nix-cache-info",
                )
                .await?;
            }
            None if matches!(self.transport, Transport::Dir(_)) => return Ok(true),
            None => return Ok(false),
        }
        let _ = self.cache_info.set(());
        Ok(true)
    }

    /// The error for reading from a server without `nix-cache-info`, as C++
    /// Nix: it "does not appear to be a binary cache".
    fn not_a_cache(&self) -> PathInfoError {
        PathInfoError::NotFound {
            instance: self.name.clone(),
            what: format!(
                "{} (the server does not appear to be a binary cache)",
                narinfo::CACHE_INFO_FILE
            ),
        }
    }

    /// Whether `hash` was found missing less than the negative TTL ago.
    fn known_missing(&self, hash: &StorePathHash) -> bool {
        if self.negative_ttl.is_zero() {
            return false;
        }
        let mut m = self.negative.lock().unwrap_or_else(|e| e.into_inner());
        match m.get(hash) {
            Some(t) if t.elapsed() < self.negative_ttl => true,
            Some(_) => {
                m.remove(hash);
                false
            }
            None => false,
        }
    }

    fn remember_missing(&self, hash: &StorePathHash) {
        if self.negative_ttl.is_zero() {
            return;
        }
        let mut m = self.negative.lock().unwrap_or_else(|e| e.into_inner());
        if m.len() >= NEGATIVE_CAPACITY {
            let ttl = self.negative_ttl;
            m.retain(|_, t| t.elapsed() < ttl);
            if m.len() >= NEGATIVE_CAPACITY {
                m.clear();
            }
        }
        m.insert(*hash, Instant::now());
    }

    fn forget_missing(&self, hash: &StorePathHash) {
        if !self.negative_ttl.is_zero() {
            self.negative
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(hash);
        }
    }

    fn decompressor(&self, method: &str, r: FileReader) -> Result<FileReader, PathInfoError> {
        let r = BufReader::new(r);
        Ok(match method {
            "none" => Box::new(r),
            "xz" => Box::new(bufread::XzDecoder::new(r)),
            "zstd" => Box::new(bufread::ZstdDecoder::new(r)),
            "bzip2" => Box::new(bufread::BzDecoder::new(r)),
            other => {
                return Err(PathInfoError::Unsupported {
                    instance: self.name.clone(),
                    operation: match other {
                        "gzip" => "gzip compression",
                        "br" => "br compression",
                        _ => "this compression method",
                    },
                });
            }
        })
    }

    /// Renders `info`'s NAR compressed into `w`; returns `w`, the file hash,
    /// the file size and the NAR's URL in the cache.
    async fn render_compressed<W: AsyncWrite + Unpin + Send>(
        &self,
        w: W,
        info: &PathInfo,
    ) -> Result<(W, NixHash, u64, String), PathInfoError> {
        let sink = HashingWriter {
            inner: w,
            sha256: Sha256::new(),
            len: 0,
        };
        let sink = write_compressed(self.compression, sink, info, &self.store)
            .await
            .map_err(|e| self.storage(&format!("writing the NAR of {}", info.store_path), e))?;
        let file_hash = NixHash::Sha256(sink.sha256.finalize().into());
        let url = narinfo::nar_url(&file_hash, self.compression);
        Ok((sink.inner, file_hash, sink.len, url))
    }

    /// Fetches, checks and ingests the NAR of `n`.
    async fn fetch_nar(&self, n: &NarInfo<'_>, what: &str) -> Result<PathInfo, PathInfoError> {
        let NixHash::Sha256(nar_sha256) = n.nar_hash else {
            return Err(PathInfoError::corrupt(
                &self.name,
                what,
                Message("NarHash is not sha256".into()),
            ));
        };
        let span = tvix_tracing::progress_span!(
            "download",
            path = %n.store_path.to_absolute_path(),
            url = %n.url
        );
        let Some((file, len)) = self.open_file(&n.url).await? else {
            return Err(PathInfoError::NotFound {
                instance: self.name.clone(),
                what: format!("NAR {} of {}", n.url, n.store_path.to_absolute_path()),
            });
        };
        match n.file_size.or(len) {
            Some(l) => {
                span.progress_set_style(ProgressStyle::Bytes);
                span.progress_set_length(l);
            }
            None => span.progress_set_style(ProgressStyle::ByteStream),
        }
        let counted: FileReader = Box::new(CountingReader {
            inner: file,
            span: span.clone(),
        });
        let reader = self.decompressor(n.compression_method(), counted)?;
        let expected = ExpectedNar {
            nar_size: Some(n.nar_size),
            nar_sha256: Some(nar_sha256),
            ca: n.ca.clone(),
        };
        let ingested = ingest_nar(&self.store, reader, &expected, IngestOptions::default())
            .instrument(span)
            .await
            .map_err(|e| {
                PathInfoError::corrupt(&self.name, format!("NAR of {}", n.store_path), e)
            })?;
        PathInfo::from_narinfo(n, ingested.node)
            .map_err(|e| PathInfoError::corrupt(&self.name, what, e))
    }
}

/// An error with a description of what was being done.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Wrapped(String, #[source] BoxedError);

/// Advances a progress span by the bytes read through it.
struct CountingReader {
    inner: FileReader,
    span: tracing::Span,
}

impl AsyncRead for CountingReader {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let res = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = res {
            this.span.progress_inc((buf.filled().len() - before) as u64);
        }
        res
    }
}

/// Counts and hashes what passes through to `inner`.
struct HashingWriter<W> {
    inner: W,
    sha256: Sha256,
    len: u64,
}

impl<W: AsyncWrite + Unpin> AsyncWrite for HashingWriter<W> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let res = Pin::new(&mut this.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = res {
            this.sha256.update(&buf[..n]);
            this.len += n as u64;
        }
        res
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// Renders `info`'s NAR compressed with `method` into `w`.
async fn write_compressed<W: AsyncWrite + Unpin + Send>(
    method: &str,
    w: W,
    info: &PathInfo,
    store: &Store,
) -> Result<W, BoxedError> {
    let opts = RenderOptions::default();
    Ok(match method {
        "xz" => {
            let mut e = write_nar(write::XzEncoder::new(w), &info.node, store, opts).await?;
            e.shutdown().await?;
            e.into_inner()
        }
        "zstd" => {
            let mut e = write_nar(write::ZstdEncoder::new(w), &info.node, store, opts).await?;
            e.shutdown().await?;
            e.into_inner()
        }
        "bzip2" => {
            let mut e = write_nar(write::BzEncoder::new(w), &info.node, store, opts).await?;
            e.shutdown().await?;
            e.into_inner()
        }
        _ => {
            let mut w = write_nar(w, &info.node, store, opts).await?;
            w.flush().await?;
            w
        }
    })
}

#[async_trait]
impl PathInfoService for BinaryCachePathInfoService {
    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name, hash = %hash))]
    async fn get(&self, hash: &StorePathHash) -> Result<Option<PathInfo>, PathInfoError> {
        if self.known_missing(hash) {
            return Ok(None);
        }
        if !self.ensure_cache_info(false).await? {
            return Err(self.not_a_cache());
        }
        let rel = format!("{hash}.narinfo");
        let Some(text) = self.read_file(&rel).await? else {
            self.remember_missing(hash);
            return Ok(None);
        };
        let what = rel.as_str();
        let text =
            std::str::from_utf8(&text).map_err(|e| PathInfoError::corrupt(&self.name, what, e))?;
        let n = NarInfo::parse(text).map_err(|e| PathInfoError::corrupt(&self.name, what, e))?;
        if *n.store_path.digest() != hash.0 {
            return Err(PathInfoError::corrupt(
                &self.name,
                what,
                Message(format!("it describes {}", n.store_path)),
            ));
        }
        if let Some(keys) = &self.trusted {
            let valid = n
                .check_signatures(keys)
                .map_err(|e| PathInfoError::corrupt(&self.name, what, e))?;
            if valid == 0 {
                return Err(PathInfoError::corrupt(
                    &self.name,
                    what,
                    Message(format!(
                        "{} has no signature by a trusted key",
                        n.store_path.to_absolute_path()
                    )),
                ));
            }
        }
        Ok(Some(self.fetch_nar(&n, what).await?))
    }

    async fn has(&self, hash: &StorePathHash) -> Result<bool, PathInfoError> {
        if self.known_missing(hash) {
            return Ok(false);
        }
        // No cache yet: nothing in it (`copy --to` asks before it writes).
        if !self.ensure_cache_info(false).await? {
            return Ok(false);
        }
        let found = self.file_exists(&format!("{hash}.narinfo")).await?;
        if !found {
            self.remember_missing(hash);
        }
        Ok(found)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name, path = %info.store_path))]
    async fn put(&self, mut info: PathInfo) -> Result<PathInfo, PathInfoError> {
        self.ensure_cache_info(true).await?;
        if let Some(key) = &self.secret_key {
            info.sign(key);
        }
        let (file_hash, file_size, url) = match &self.transport {
            Transport::Dir(dir) => {
                let tmp = self.tmp_path(dir);
                let f = tokio::fs::File::create(&tmp)
                    .await
                    .map_err(|e| self.storage(&format!("creating {}", tmp.display()), e))?;
                let (_, file_hash, file_size, url) = self
                    .render_compressed(tokio::io::BufWriter::new(f), &info)
                    .await?;
                let dest = dir.join(&url);
                tokio::fs::rename(&tmp, &dest)
                    .await
                    .map_err(|e| self.storage(&format!("renaming to {}", dest.display()), e))?;
                (file_hash, file_size, url)
            }
            #[cfg(feature = "http")]
            Transport::Http(_) => {
                let (data, file_hash, file_size, url) =
                    self.render_compressed(Vec::new(), &info).await?;
                let content_type = if self.compression == "none" {
                    "application/x-nix-nar"
                } else {
                    "application/x-nix-nar-compressed"
                };
                self.write_file(&url, data.into(), content_type).await?;
                (file_hash, file_size, url)
            }
        };
        let mut n = info.to_narinfo(url.as_str(), self.compression);
        n.file_hash = Some(file_hash);
        n.file_size = Some(file_size);
        let text = n.to_string();
        self.write_file(
            &narinfo::narinfo_file_name(&info.store_path),
            text.into(),
            "text/x-nix-narinfo",
        )
        .await?;
        self.forget_missing(&info.hash());
        Ok(info)
    }

    fn list(&self) -> BoxStream<'static, Result<PathInfo, PathInfoError>> {
        let err = PathInfoError::Unsupported {
            instance: self.name.clone(),
            operation: "listing a binary cache",
        };
        Box::pin(futures::stream::iter([Err(err)]))
    }
}

/// Checks the cache directory's `nix-cache-info`, if any, names `/nix/store`.
fn check_cache_info(dir: &Path) -> Result<(), BoxedError> {
    match std::fs::read_to_string(dir.join(narinfo::CACHE_INFO_FILE)) {
        Ok(text) => Ok(CacheInfo::parse(&text)?.check_store_dir(STORE_DIR)?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e.into()),
    }
}

#[cfg(all(test, feature = "http"))]
mod http_tests;
#[cfg(all(test, feature = "http"))]
mod test_server;
#[cfg(test)]
mod tests;
