//! The gRPC server: serves a [`Store`]'s Blob, Chunk and Directory services
//! plus `grpc.health.v1`, on TCP or a Unix socket, until a shutdown signal.
//! Crates above castore add their own services next to these with
//! [`ExtraServices`] and [`serve_with`] (tvix-store adds its PathInfo
//! service); castore knows nothing of them but their names, which it reports
//! as serving through the health service.
//!
//! It checks what clients send: chunk digests are computed here; `PutChunked`
//! only records a blob after reading every listed chunk and checking that they
//! hash to the claimed blob digest; `Put` of directories accepts a closure sent
//! leaves first, whose children are either sent earlier in the same stream or
//! already stored.

use std::{convert::Infallible, net::SocketAddr, path::PathBuf, pin::Pin};

use bytes::Bytes;
use futures::{Stream, StreamExt};
use tokio::io::AsyncReadExt;
use tonic::{
    Request, Response, Status, Streaming,
    codegen::{Service, http},
    server::NamedService,
    service::RoutesBuilder,
};

use super::to_status;
use crate::{
    B3Digest, BlobMeta, ClosureBuilder, ClosureError, Directory, ErrorKind, Store, proto,
    proto::{
        blob_service_server::{BlobService, BlobServiceServer},
        chunk_service_server::{ChunkService, ChunkServiceServer},
        directory_service_server::{DirectoryService, DirectoryServiceServer},
    },
};

/// Where the server listens: `unix:PATH` or `HOST:PORT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenAddr {
    /// A Unix socket path (created; an existing socket file is an error).
    Unix(PathBuf),
    /// A TCP address.
    Tcp(SocketAddr),
}

/// Why a listen address or the server failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The address is neither `unix:PATH` nor `HOST:PORT`.
    #[error("invalid listen address {0:?}: expected unix:PATH or HOST:PORT")]
    BadAddr(String),
    /// The socket could not be bound.
    #[error("cannot listen on {addr}")]
    Bind {
        /// The address.
        addr: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The server failed.
    #[error("gRPC server failed")]
    Transport(#[source] tonic::transport::Error),
}

impl std::str::FromStr for ListenAddr {
    type Err = ServeError;
    fn from_str(s: &str) -> Result<Self, ServeError> {
        if let Some(p) = s.strip_prefix("unix:") {
            if p.is_empty() {
                return Err(ServeError::BadAddr(s.to_owned()));
            }
            return Ok(Self::Unix(p.into()));
        }
        use std::net::ToSocketAddrs;
        s.to_socket_addrs()
            .ok()
            .and_then(|mut a| a.next())
            .map(Self::Tcp)
            .ok_or_else(|| ServeError::BadAddr(s.to_owned()))
    }
}

impl std::fmt::Display for ListenAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unix(p) => write!(f, "unix:{}", p.display()),
            Self::Tcp(a) => write!(f, "{a}"),
        }
    }
}

/// gRPC services served next to castore's by [`serve_with`]: generated
/// tonic servers (`FooServiceServer::new(impl)`) of crates above castore.
#[derive(Default)]
#[must_use]
pub struct ExtraServices {
    routes: RoutesBuilder,
    names: Vec<&'static str>,
}

impl std::fmt::Debug for ExtraServices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExtraServices")
            .field("names", &self.names)
            .finish_non_exhaustive()
    }
}

impl ExtraServices {
    /// No extra services.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a tonic service; it is reported as serving by the health service.
    pub fn add_service<S>(mut self, svc: S) -> Self
    where
        S: Service<
                http::Request<tonic::body::Body>,
                Response = http::Response<tonic::body::Body>,
                Error = Infallible,
            > + NamedService
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
    {
        self.names.push(S::NAME);
        self.routes.add_service(svc);
        self
    }

    /// The names of the services added, as `package.Service`.
    #[must_use]
    pub fn names(&self) -> &[&'static str] {
        &self.names
    }
}

/// Serves `store` on `addr` until `shutdown` completes, then stops accepting,
/// finishes requests in flight and returns. A Unix socket file is removed on
/// the way out.
pub async fn serve(
    store: Store,
    addr: &ListenAddr,
    shutdown: impl std::future::Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    serve_with(store, ExtraServices::new(), addr, shutdown).await
}

/// [`serve`], with `extra` services next to castore's.
pub async fn serve_with(
    store: Store,
    extra: ExtraServices,
    addr: &ListenAddr,
    shutdown: impl std::future::Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    let (reporter, health) = tonic_health::server::health_reporter();
    reporter.set_serving::<BlobServiceServer<Server>>().await;
    reporter.set_serving::<ChunkServiceServer<Server>>().await;
    reporter
        .set_serving::<DirectoryServiceServer<Server>>()
        .await;
    for name in &extra.names {
        reporter
            .set_service_status(name, tonic_health::ServingStatus::Serving)
            .await;
    }
    let server = Server { store };
    let mut routes = extra.routes;
    routes
        .add_service(health)
        .add_service(BlobServiceServer::new(server.clone()))
        .add_service(ChunkServiceServer::new(server.clone()))
        .add_service(DirectoryServiceServer::new(server));
    let router = tonic::transport::Server::builder().add_routes(routes.routes());
    let bind_err = |source| ServeError::Bind {
        addr: addr.to_string(),
        source,
    };
    match addr {
        ListenAddr::Unix(path) => {
            let listener = tokio::net::UnixListener::bind(path).map_err(bind_err)?;
            tracing::info!(addr = %addr, "listening");
            let incoming = tokio_stream::wrappers::UnixListenerStream::new(listener);
            let res = router
                .serve_with_incoming_shutdown(incoming, shutdown)
                .await
                .map_err(ServeError::Transport);
            let _ = std::fs::remove_file(path);
            res
        }
        ListenAddr::Tcp(a) => {
            let listener = tokio::net::TcpListener::bind(a).await.map_err(bind_err)?;
            tracing::info!(addr = %addr, "listening");
            let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
            router
                .serve_with_incoming_shutdown(incoming, shutdown)
                .await
                .map_err(ServeError::Transport)
        }
    }
}

/// The service implementations over one store.
#[derive(Clone)]
struct Server {
    store: Store,
}

fn parse_digest(b: &Bytes) -> Result<B3Digest, Status> {
    B3Digest::try_from(b).map_err(|e| Status::invalid_argument(e.to_string()))
}

macro_rules! status {
    ($e:expr) => {{
        let e = $e;
        to_status(e.kind(), e.digest(), &e)
    }};
}

type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

/// Bytes per `BlobChunk` message of `Read`.
const READ_FRAME: usize = 256 * 1024;

#[tonic::async_trait]
impl BlobService for Server {
    async fn stat(
        &self,
        req: Request<proto::StatBlobRequest>,
    ) -> Result<Response<proto::StatBlobResponse>, Status> {
        let d = parse_digest(&req.get_ref().digest)?;
        match self.store.blobs().stat(&d).await {
            Ok(Some(meta)) => {
                let mut resp = crate::backend::local::meta_to_proto(&meta);
                if !req.get_ref().send_chunks {
                    resp.chunks.clear();
                }
                Ok(Response::new(resp))
            }
            Ok(None) => Err(to_status(
                ErrorKind::NotFound,
                Some(d),
                &crate::Message(format!("blob {d} not found")),
            )),
            Err(e) => Err(status!(e)),
        }
    }

    type ReadStream = BoxStream<proto::BlobChunk>;

    async fn read(
        &self,
        req: Request<proto::ReadBlobRequest>,
    ) -> Result<Response<Self::ReadStream>, Status> {
        let d = parse_digest(&req.get_ref().digest)?;
        let reader = self.store.open_read(&d).await.map_err(|e| status!(e))?;
        let Some(mut reader) = reader else {
            // Not a blob: maybe a chunk (tvix clients read chunks this way).
            return match self.store.chunks().get(&d).await.map_err(|e| status!(e))? {
                Some(data) if B3Digest::of(&data) == d => {
                    let item = Ok(proto::BlobChunk { data });
                    Ok(Response::new(Box::pin(futures::stream::iter([item]))))
                }
                Some(_) => Err(to_status(
                    ErrorKind::Corrupt,
                    Some(d),
                    &crate::Message(format!("chunk {d} is corrupt")),
                )),
                None => Err(to_status(
                    ErrorKind::NotFound,
                    Some(d),
                    &crate::Message(format!("blob {d} not found")),
                )),
            };
        };
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        tokio::spawn(async move {
            loop {
                let mut buf = vec![0u8; READ_FRAME];
                let mut n = 0;
                while n < READ_FRAME {
                    match reader.read(&mut buf[n..]).await {
                        Ok(0) => break,
                        Ok(k) => n += k,
                        Err(e) => {
                            let _ = tx.send(Err(Status::data_loss(e.to_string()))).await;
                            return;
                        }
                    }
                }
                if n == 0 {
                    return;
                }
                buf.truncate(n);
                let msg = proto::BlobChunk { data: buf.into() };
                if tx.send(Ok(msg)).await.is_err() {
                    return;
                }
            }
        });
        Ok(Response::new(Box::pin(
            tokio_stream::wrappers::ReceiverStream::new(rx),
        )))
    }

    async fn put(
        &self,
        req: Request<Streaming<proto::BlobChunk>>,
    ) -> Result<Response<proto::PutBlobResponse>, Status> {
        let mut stream = req.into_inner();
        let mut w = self.store.open_write();
        while let Some(msg) = stream.next().await {
            let msg = msg?;
            w.write(&msg.data).await.map_err(|e| status!(e))?;
        }
        let d = w.close().await.map_err(|e| status!(e))?;
        self.store.blobs().sync().await.map_err(|e| status!(e))?;
        Ok(Response::new(proto::PutBlobResponse {
            digest: Bytes::copy_from_slice(d.as_bytes()),
        }))
    }

    async fn put_chunked(
        &self,
        req: Request<proto::PutChunkedRequest>,
    ) -> Result<Response<proto::PutBlobResponse>, Status> {
        let req = req.into_inner();
        let d = parse_digest(&req.digest)?;
        let meta: BlobMeta = crate::backend::local::meta_from_proto(req.chunks)
            .map_err(|e| Status::invalid_argument(e.to_string()))?;
        // Every chunk must be there, and together they must hash to the digest.
        let mut hasher = blake3::Hasher::new();
        for c in &meta.chunks {
            let data = self
                .store
                .chunks()
                .get(&c.digest)
                .await
                .map_err(|e| status!(e))?
                .ok_or_else(|| {
                    to_status(
                        ErrorKind::InvalidRequest,
                        Some(c.digest),
                        &crate::Message(format!("chunk {} was not uploaded", c.digest)),
                    )
                })?;
            if data.len() as u64 != c.size || B3Digest::of(&data) != c.digest {
                return Err(Status::invalid_argument(format!(
                    "chunk {} does not match its size or digest",
                    c.digest
                )));
            }
            hasher.update(&data);
        }
        if B3Digest::from(hasher.finalize()) != d {
            return Err(Status::invalid_argument(format!(
                "the chunks do not hash to blob digest {d}"
            )));
        }
        self.store
            .blobs()
            .put_meta(&d, meta)
            .await
            .map_err(|e| status!(e))?;
        self.store.blobs().sync().await.map_err(|e| status!(e))?;
        Ok(Response::new(proto::PutBlobResponse { digest: req.digest }))
    }
}

#[tonic::async_trait]
impl ChunkService for Server {
    async fn has(
        &self,
        req: Request<proto::ChunkRequest>,
    ) -> Result<Response<proto::HasChunkResponse>, Status> {
        let d = parse_digest(&req.get_ref().digest)?;
        let has = self.store.chunks().has(&d).await.map_err(|e| status!(e))?;
        Ok(Response::new(proto::HasChunkResponse { has }))
    }

    async fn get(
        &self,
        req: Request<proto::ChunkRequest>,
    ) -> Result<Response<proto::ChunkData>, Status> {
        let d = parse_digest(&req.get_ref().digest)?;
        match self.store.chunks().get(&d).await.map_err(|e| status!(e))? {
            Some(data) => Ok(Response::new(proto::ChunkData { data })),
            None => Err(to_status(
                ErrorKind::NotFound,
                Some(d),
                &crate::Message(format!("chunk {d} not found")),
            )),
        }
    }

    async fn put(
        &self,
        req: Request<proto::ChunkData>,
    ) -> Result<Response<proto::PutChunkResponse>, Status> {
        let data = req.into_inner().data;
        let d = self
            .store
            .chunks()
            .put(data)
            .await
            .map_err(|e| status!(e))?;
        Ok(Response::new(proto::PutChunkResponse {
            digest: Bytes::copy_from_slice(d.as_bytes()),
        }))
    }
}

#[tonic::async_trait]
impl DirectoryService for Server {
    type GetStream = BoxStream<proto::Directory>;

    async fn get(
        &self,
        req: Request<proto::GetDirectoryRequest>,
    ) -> Result<Response<Self::GetStream>, Status> {
        let req = req.into_inner();
        let Some(proto::get_directory_request::ByWhat::Digest(d)) = req.by_what else {
            return Err(Status::invalid_argument("no digest given"));
        };
        let d = parse_digest(&d)?;
        let dirs = if req.recursive {
            self.store
                .directories()
                .get_closure(&d)
                .await
                .map_err(|e| status!(e))?
        } else {
            match self
                .store
                .directories()
                .get(&d)
                .await
                .map_err(|e| status!(e))?
            {
                Some(dir) => vec![dir],
                None => {
                    return Err(to_status(
                        ErrorKind::NotFound,
                        Some(d),
                        &crate::Message(format!("directory {d} not found")),
                    ));
                }
            }
        };
        let items: Vec<Result<proto::Directory, Status>> =
            dirs.iter().map(|d| Ok(proto::Directory::from(d))).collect();
        Ok(Response::new(Box::pin(futures::stream::iter(items))))
    }

    async fn put(
        &self,
        req: Request<Streaming<proto::Directory>>,
    ) -> Result<Response<proto::PutDirectoryResponse>, Status> {
        let mut stream = req.into_inner();
        let mut builder = ClosureBuilder::new();
        while let Some(msg) = stream.next().await {
            let dir = Directory::try_from(msg?)
                .map_err(|e| Status::invalid_argument(format!("invalid directory: {e}")))?;
            // Children not sent in this stream must already be stored.
            for (_, child, _) in dir.child_directories() {
                if !builder.contains(&child) {
                    if let Some(existing) = self
                        .store
                        .directories()
                        .get(&child)
                        .await
                        .map_err(|e| status!(e))?
                    {
                        builder.add_existing(child, existing.size());
                    }
                }
            }
            builder.add(dir).map_err(closure_status)?;
        }
        let closure = builder.build().map_err(closure_status)?;
        let root = self
            .store
            .directories()
            .put_closure(closure)
            .await
            .map_err(|e| status!(e))?;
        Ok(Response::new(proto::PutDirectoryResponse {
            root_digest: Bytes::copy_from_slice(root.as_bytes()),
        }))
    }
}

fn closure_status(e: ClosureError) -> Status {
    Status::invalid_argument(format!("invalid closure: {e}"))
}
