//! [`BinaryCachePathInfoService`]: a Nix binary cache in a local directory
//! (`file:///DIR`, as C++ Nix's `file://` store), read and written in C++
//! Nix's layout: `nix-cache-info`, `<hash>.narinfo`, `nar/<filehash>.nar<ext>`.
//!
//! - `get` reads the narinfo, checks its signatures against the trusted keys
//!   (when any are configured; a content-addressed path whose address computes
//!   to it needs none, as in C++ Nix), then decompresses (`none`, `xz`, `zstd`,
//!   `bzip2`) and ingests the NAR into the castore store, checking its size,
//!   hash and content address. Every `get` ingests again: put a `cache` with a
//!   local near store in front to keep results.
//! - `put` renders the path's NAR from the castore store, compresses it
//!   (`compression=`, default `xz` as C++ Nix), writes it under its file hash,
//!   then the narinfo (signed with `secret-key=` if given). Files are written to
//!   a temporary name and renamed, so readers never see partial files.
//!
//! URL options: `compression=none|xz|zstd|bzip2`, `secret-key=PATH` (a Nix
//! secret key file), `trusted-public-keys=KEY KEY…`.

use std::{
    path::{Path, PathBuf},
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    task::{Context, Poll},
};

use async_compression::tokio::{bufread, write};
use async_trait::async_trait;
use futures::stream::BoxStream;
use nix_compat::{
    narinfo::{self, CacheInfo, NarInfo},
    nixhash::NixHash,
    signature::{SecretKey, TrustedKeys},
    store_path::STORE_DIR,
};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tvix_castore::{InstanceName, Message, Store};

use super::{PathInfoError, PathInfoService};
use crate::{
    PathInfo, StorePathHash,
    nar::{ExpectedNar, IngestOptions, RenderOptions, ingest_nar, write_nar},
};

/// Compression methods we read and write.
const METHODS: &[&str] = &["none", "xz", "zstd", "bzip2"];

/// Why a binary cache URL or its options are invalid.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BinaryCacheConfigError {
    /// Not a `file:///DIR` (or `nix+file:///DIR`) URL.
    #[error("{0:?} is not a file:///DIR binary cache URL")]
    Url(String),
    /// An unsupported `compression=`.
    #[error("unsupported compression {0:?} (supported: none, xz, zstd, bzip2)")]
    Compression(String),
    /// An unknown URL option.
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
}

type BoxedError = tvix_castore::BoxError;

/// A Nix binary cache in a local directory.
#[derive(Clone)]
pub struct BinaryCachePathInfoService {
    name: InstanceName,
    dir: PathBuf,
    store: Store,
    compression: &'static str,
    secret_key: Option<Arc<SecretKey>>,
    trusted: Option<Arc<TrustedKeys>>,
    tmp_counter: Arc<AtomicU64>,
}

impl std::fmt::Debug for BinaryCachePathInfoService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BinaryCachePathInfoService")
            .field("name", &self.name)
            .field("dir", &self.dir)
            .field("compression", &self.compression)
            .finish_non_exhaustive()
    }
}

impl BinaryCachePathInfoService {
    /// The cache a URL `file:///DIR?opts` (or `nix+file:///DIR?opts`)
    /// describes; NARs are ingested into and rendered from `store`.
    pub fn from_url(
        name: InstanceName,
        url: &str,
        store: Store,
    ) -> Result<Self, BinaryCacheConfigError> {
        let u = ::url::Url::parse(url).map_err(|_| BinaryCacheConfigError::Url(url.to_owned()))?;
        if !matches!(u.scheme(), "file" | "nix+file")
            || u.host_str().is_some_and(|h| !h.is_empty())
            || u.path().len() <= 1
        {
            return Err(BinaryCacheConfigError::Url(url.to_owned()));
        }
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
                other => return Err(BinaryCacheConfigError::Option(other.to_owned())),
            }
        }
        let dir = PathBuf::from(u.path());
        check_cache_info(&dir).map_err(|source| BinaryCacheConfigError::CacheInfo {
            dir: dir.clone(),
            source,
        })?;
        Ok(Self {
            name,
            dir,
            store,
            compression,
            secret_key,
            trusted,
            tmp_counter: Arc::default(),
        })
    }

    fn storage(&self, what: &str, e: impl Into<BoxedError>) -> PathInfoError {
        PathInfoError::Storage {
            instance: self.name.clone(),
            source: Box::new(Wrapped(what.to_owned(), e.into())),
        }
    }

    fn tmp_path(&self) -> PathBuf {
        let n = self.tmp_counter.fetch_add(1, Ordering::Relaxed);
        self.dir.join(format!(".tmp-{}-{n}", std::process::id()))
    }

    /// Writes `data` to `rel` atomically.
    async fn write_file(&self, rel: &str, data: &[u8]) -> Result<(), PathInfoError> {
        let tmp = self.tmp_path();
        tokio::fs::write(&tmp, data)
            .await
            .map_err(|e| self.storage(&format!("writing {}", tmp.display()), e))?;
        let dest = self.dir.join(rel);
        tokio::fs::rename(&tmp, &dest)
            .await
            .map_err(|e| self.storage(&format!("renaming to {}", dest.display()), e))
    }

    async fn ensure_layout(&self) -> Result<(), PathInfoError> {
        let nar_dir = self.dir.join("nar");
        tokio::fs::create_dir_all(&nar_dir)
            .await
            .map_err(|e| self.storage(&format!("creating {}", nar_dir.display()), e))?;
        let info = self.dir.join(narinfo::CACHE_INFO_FILE);
        if !tokio::fs::try_exists(&info).await.unwrap_or(false) {
            let text = CacheInfo::new(STORE_DIR).to_string();
            self.write_file(narinfo::CACHE_INFO_FILE, text.as_bytes())
                .await?;
        }
        Ok(())
    }

    fn decompressor<'a>(
        &self,
        method: &str,
        f: tokio::fs::File,
    ) -> Result<Box<dyn AsyncRead + Send + Unpin + 'a>, PathInfoError> {
        let r = BufReader::new(f);
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
}

/// An error with a description of what was being done.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Wrapped(String, #[source] BoxedError);

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
        let file = self.dir.join(format!("{hash}.narinfo"));
        let text = match tokio::fs::read_to_string(&file).await {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.storage(&format!("reading {}", file.display()), e)),
        };
        let what = || format!("{}", file.display());
        let n = NarInfo::parse(&text).map_err(|e| PathInfoError::corrupt(&self.name, what(), e))?;
        if *n.store_path.digest() != hash.0 {
            return Err(PathInfoError::corrupt(
                &self.name,
                what(),
                Message(format!("it describes {}", n.store_path)),
            ));
        }
        if let Some(keys) = &self.trusted {
            let valid = n
                .check_signatures(keys)
                .map_err(|e| PathInfoError::corrupt(&self.name, what(), e))?;
            if valid == 0 {
                return Err(PathInfoError::corrupt(
                    &self.name,
                    what(),
                    Message(format!(
                        "{} has no signature by a trusted key",
                        n.store_path.to_absolute_path()
                    )),
                ));
            }
        }
        let NixHash::Sha256(nar_sha256) = n.nar_hash else {
            return Err(PathInfoError::corrupt(
                &self.name,
                what(),
                Message("NarHash is not sha256".into()),
            ));
        };
        let nar_path = self.dir.join(&*n.url);
        let f = match tokio::fs::File::open(&nar_path).await {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(PathInfoError::NotFound {
                    instance: self.name.clone(),
                    what: format!("NAR {} of {}", n.url, n.store_path.to_absolute_path()),
                });
            }
            Err(e) => return Err(self.storage(&format!("opening {}", nar_path.display()), e)),
        };
        let reader = self.decompressor(n.compression_method(), f)?;
        let expected = ExpectedNar {
            nar_size: Some(n.nar_size),
            nar_sha256: Some(nar_sha256),
            ca: n.ca.clone(),
        };
        let ingested = ingest_nar(&self.store, reader, &expected, IngestOptions::default())
            .await
            .map_err(|e| {
                PathInfoError::corrupt(&self.name, format!("NAR of {}", n.store_path), e)
            })?;
        let info = PathInfo::from_narinfo(&n, ingested.node)
            .map_err(|e| PathInfoError::corrupt(&self.name, what(), e))?;
        Ok(Some(info))
    }

    async fn has(&self, hash: &StorePathHash) -> Result<bool, PathInfoError> {
        let file = self.dir.join(format!("{hash}.narinfo"));
        tokio::fs::try_exists(&file)
            .await
            .map_err(|e| self.storage(&format!("checking {}", file.display()), e))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name, path = %info.store_path))]
    async fn put(&self, mut info: PathInfo) -> Result<PathInfo, PathInfoError> {
        self.ensure_layout().await?;
        if let Some(key) = &self.secret_key {
            info.sign(key);
        }
        let tmp = self.tmp_path();
        let f = tokio::fs::File::create(&tmp)
            .await
            .map_err(|e| self.storage(&format!("creating {}", tmp.display()), e))?;
        let sink = HashingWriter {
            inner: tokio::io::BufWriter::new(f),
            sha256: Sha256::new(),
            len: 0,
        };
        let sink = write_compressed(self.compression, sink, &info, &self.store)
            .await
            .map_err(|e| self.storage(&format!("writing the NAR of {}", info.store_path), e))?;
        let file_hash = NixHash::Sha256(sink.sha256.finalize().into());
        let url = narinfo::nar_url(&file_hash, self.compression);
        let dest = self.dir.join(&url);
        tokio::fs::rename(&tmp, &dest)
            .await
            .map_err(|e| self.storage(&format!("renaming to {}", dest.display()), e))?;
        let mut n = info.to_narinfo(url.as_str(), self.compression);
        n.file_hash = Some(file_hash);
        n.file_size = Some(sink.len);
        let text = n.to_string();
        self.write_file(
            &narinfo::narinfo_file_name(&info.store_path),
            text.as_bytes(),
        )
        .await?;
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

#[cfg(test)]
mod tests;
