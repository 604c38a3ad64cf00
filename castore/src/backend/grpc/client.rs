//! [`GrpcBackend`]: the three services as a gRPC client.
//!
//! Connections are lazy: building the backend never blocks, and an unreachable
//! server shows as [`ErrorKind::Unavailable`](crate::ErrorKind) on first use.
//! Everything the server sends is checked: directory digests and closures here,
//! chunk digests by the shared blob reader.

use std::path::PathBuf;

use async_trait::async_trait;
use bytes::Bytes;
use futures::StreamExt;
use hyper_util::rt::TokioIo;
use tonic::transport::{Channel, Endpoint, Uri};

use super::code_to_kind;
use crate::{
    B3Digest, BlobError, BlobMeta, BlobService, ChunkError, ChunkService, Closure, Directory,
    DirectoryError, DirectoryService, InstanceName, proto,
    proto::{
        blob_service_client::BlobServiceClient, chunk_service_client::ChunkServiceClient,
        directory_service_client::DirectoryServiceClient,
    },
};

/// Why a gRPC client could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// The URL scheme is not `grpc+unix` or `grpc+http`.
    #[error("unsupported gRPC URL {0:?}: use grpc+unix:///PATH or grpc+http://HOST:PORT")]
    UnsupportedUrl(String),
    /// A `grpc+unix` URL with a host, or without a path.
    #[error("grpc+unix URL {0:?} must be grpc+unix:///ABSOLUTE/PATH (no host)")]
    BadUnixUrl(String),
    /// A `grpc+http` URL with a path.
    #[error("grpc+http URL {0:?} must have no path")]
    PathNotAllowed(String),
    /// tonic rejected the endpoint.
    #[error("invalid endpoint {url:?}")]
    Endpoint {
        /// The URL.
        url: String,
        /// Why.
        #[source]
        source: tonic::transport::Error,
    },
}

/// A gRPC client of a tvix-castore server (see `tvix-store daemon`).
#[derive(Debug, Clone)]
pub struct GrpcBackend {
    name: InstanceName,
    blobs: BlobServiceClient<Channel>,
    chunks: ChunkServiceClient<Channel>,
    directories: DirectoryServiceClient<Channel>,
}

impl GrpcBackend {
    /// A client for `url` (`grpc+unix:///PATH` or `grpc+http://HOST:PORT`).
    /// Must be called inside a tokio runtime.
    pub fn connect_lazy(name: InstanceName, url: &url::Url) -> Result<Self, ConnectError> {
        let channel = match url.scheme() {
            "grpc+unix" => {
                if url.host_str().is_some_and(|h| !h.is_empty()) || url.path().len() <= 1 {
                    return Err(ConnectError::BadUnixUrl(url.to_string()));
                }
                let path = PathBuf::from(url.path());
                // The URI is a placeholder: the connector ignores it.
                Endpoint::from_static("http://[::]:0").connect_with_connector_lazy(
                    tower::service_fn(move |_: Uri| {
                        let path = path.clone();
                        async move {
                            let s = tokio::net::UnixStream::connect(path).await?;
                            Ok::<_, std::io::Error>(TokioIo::new(s))
                        }
                    }),
                )
            }
            "grpc+http" => {
                if url.path() != "" && url.path() != "/" {
                    return Err(ConnectError::PathNotAllowed(url.to_string()));
                }
                let inner = url.as_str().trim_start_matches("grpc+");
                Endpoint::from_shared(inner.to_owned())
                    .map_err(|source| ConnectError::Endpoint {
                        url: url.to_string(),
                        source,
                    })?
                    .connect_lazy()
            }
            _ => return Err(ConnectError::UnsupportedUrl(url.to_string())),
        };
        Ok(Self {
            name,
            blobs: BlobServiceClient::new(channel.clone()),
            chunks: ChunkServiceClient::new(channel.clone()),
            directories: DirectoryServiceClient::new(channel),
        })
    }
}

fn digest_bytes(d: &B3Digest) -> Bytes {
    Bytes::copy_from_slice(d.as_bytes())
}

/// Maps a status to a service error of kind given by its code.
macro_rules! status_err {
    ($t:ty, $name:expr, $digest:expr, $status:expr) => {{
        let s: tonic::Status = $status;
        // The server names the object concerned in metadata, when it knows it.
        let digest = super::status_digest(&s).or($digest);
        <$t>::from_kind(code_to_kind(s.code()), $name, digest, s)
    }};
}

#[async_trait]
impl ChunkService for GrpcBackend {
    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn has(&self, digest: &B3Digest) -> Result<bool, ChunkError> {
        let req = proto::ChunkRequest {
            digest: digest_bytes(digest),
        };
        match self.chunks.clone().has(req).await {
            Ok(r) => Ok(r.into_inner().has),
            Err(s) => Err(status_err!(ChunkError, &self.name, Some(*digest), s)),
        }
    }

    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn get(&self, digest: &B3Digest) -> Result<Option<Bytes>, ChunkError> {
        let req = proto::ChunkRequest {
            digest: digest_bytes(digest),
        };
        match self.chunks.clone().get(req).await {
            Ok(r) => Ok(Some(r.into_inner().data)),
            Err(s) if s.code() == tonic::Code::NotFound => Ok(None),
            Err(s) => Err(status_err!(ChunkError, &self.name, Some(*digest), s)),
        }
    }

    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn put(&self, data: Bytes) -> Result<B3Digest, ChunkError> {
        let digest = B3Digest::of(&data);
        // Skip the upload when the server has the chunk already.
        if self.has(&digest).await? {
            return Ok(digest);
        }
        let resp = self
            .chunks
            .clone()
            .put(proto::ChunkData { data })
            .await
            .map_err(|s| status_err!(ChunkError, &self.name, Some(digest), s))?;
        B3Digest::try_from(&resp.into_inner().digest)
            .map_err(|e| ChunkError::corrupt(&self.name, digest, format!("server answered: {e}")))
    }
}

#[async_trait]
impl BlobService for GrpcBackend {
    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn stat(&self, digest: &B3Digest) -> Result<Option<BlobMeta>, BlobError> {
        let req = proto::StatBlobRequest {
            digest: digest_bytes(digest),
            send_chunks: true,
            send_bao: false,
        };
        match self.blobs.clone().stat(req).await {
            Ok(r) => {
                let meta = crate::backend::local::meta_from_proto(r.into_inner().chunks)
                    .map_err(|e| BlobError::corrupt(&self.name, *digest, e.to_string()))?;
                Ok(Some(meta))
            }
            Err(s) if s.code() == tonic::Code::NotFound => Ok(None),
            Err(s) => Err(status_err!(BlobError, &self.name, Some(*digest), s)),
        }
    }

    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn put_meta(&self, digest: &B3Digest, meta: BlobMeta) -> Result<(), BlobError> {
        let req = proto::PutChunkedRequest {
            digest: digest_bytes(digest),
            chunks: crate::backend::local::meta_to_proto(&meta).chunks,
        };
        self.blobs
            .clone()
            .put_chunked(req)
            .await
            .map_err(|s| status_err!(BlobError, &self.name, Some(*digest), s))?;
        Ok(())
    }

    /// The server syncs before it answers a put.
    async fn sync(&self) -> Result<(), BlobError> {
        Ok(())
    }
}

impl GrpcBackend {
    async fn send_directories(&self, dirs: Vec<Directory>) -> Result<B3Digest, DirectoryError> {
        let expected = dirs.last().map(Directory::digest);
        let stream = futures::stream::iter(
            dirs.into_iter()
                .map(|d| proto::Directory::from(&d))
                .collect::<Vec<_>>(),
        );
        let resp = self
            .directories
            .clone()
            .put(stream)
            .await
            .map_err(|s| status_err!(DirectoryError, &self.name, expected, s))?;
        let got = B3Digest::try_from(&resp.into_inner().root_digest)
            .map_err(|e| DirectoryError::invalid(&self.name, format!("server answered: {e}")))?;
        if Some(got) != expected {
            return Err(DirectoryError::invalid(
                &self.name,
                format!("server answered root {got}, expected {expected:?}"),
            ));
        }
        Ok(got)
    }

    async fn get_stream(
        &self,
        digest: &B3Digest,
        recursive: bool,
    ) -> Result<Option<tonic::Streaming<proto::Directory>>, DirectoryError> {
        let req = proto::GetDirectoryRequest {
            by_what: Some(proto::get_directory_request::ByWhat::Digest(digest_bytes(
                digest,
            ))),
            recursive,
        };
        match self.directories.clone().get(req).await {
            Ok(r) => Ok(Some(r.into_inner())),
            // Only the requested directory missing means "absent"; a missing
            // descendant is an error naming it.
            Err(s)
                if s.code() == tonic::Code::NotFound
                    && super::status_digest(&s).is_none_or(|d| d == *digest) =>
            {
                Ok(None)
            }
            Err(s) => Err(status_err!(DirectoryError, &self.name, Some(*digest), s)),
        }
    }

    fn decode(&self, digest: B3Digest, p: proto::Directory) -> Result<Directory, DirectoryError> {
        Directory::try_from(p)
            .map_err(|e| DirectoryError::corrupt(&self.name, digest, e.to_string()))
    }
}

#[async_trait]
impl DirectoryService for GrpcBackend {
    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn get(&self, digest: &B3Digest) -> Result<Option<Directory>, DirectoryError> {
        let Some(mut stream) = self.get_stream(digest, false).await? else {
            return Ok(None);
        };
        let item = stream.next().await;
        let p = match item {
            Some(Ok(p)) => p,
            Some(Err(s)) if s.code() == tonic::Code::NotFound => return Ok(None),
            Some(Err(s)) => return Err(status_err!(DirectoryError, &self.name, Some(*digest), s)),
            None => return Ok(None),
        };
        let dir = self.decode(*digest, p)?;
        if dir.digest() != *digest {
            return Err(DirectoryError::corrupt(
                &self.name,
                *digest,
                format!("server sent directory {}", dir.digest()),
            ));
        }
        Ok(Some(dir))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn put(&self, dir: Directory) -> Result<B3Digest, DirectoryError> {
        self.send_directories(vec![dir]).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn get_closure(&self, root: &B3Digest) -> Result<Vec<Directory>, DirectoryError> {
        let Some(mut stream) = self.get_stream(root, true).await? else {
            return Err(DirectoryError::not_found(&self.name, *root));
        };
        let mut checker = crate::ClosureChecker::new(*root);
        let mut out = Vec::new();
        while let Some(item) = stream.next().await {
            let p = item.map_err(|s| status_err!(DirectoryError, &self.name, Some(*root), s))?;
            let dir = self.decode(*root, p)?;
            checker
                .check(&dir)
                .map_err(|e| DirectoryError::corrupt(&self.name, *root, e.to_string()))?;
            out.push(dir);
        }
        if out.is_empty() {
            return Err(DirectoryError::not_found(&self.name, *root));
        }
        checker
            .finish()
            .map_err(|e| DirectoryError::corrupt(&self.name, *root, e.to_string()))?;
        Ok(out)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn put_closure(&self, closure: Closure) -> Result<B3Digest, DirectoryError> {
        let dirs = closure.leaves_first().map(|(_, d)| d.clone()).collect();
        self.send_directories(dirs).await
    }
}
