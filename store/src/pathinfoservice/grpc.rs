//! The PathInfo service over gRPC (`tvix.store.v1.PathInfoService`):
//! [`GrpcPathInfoService`] is a client, [`PathInfoServer`] serves any
//! [`PathInfoService`] (plus `CalculateNAR` over a castore [`Store`]), and
//! [`serve`] runs castore's gRPC server with the PathInfo service added (what
//! `tvix-store daemon` serves).
//!
//! Errors cross the wire as status codes, as castore's: NotFound ↔
//! `NOT_FOUND`, Corrupt ↔ `DATA_LOSS`, InvalidRequest ↔ `INVALID_ARGUMENT`,
//! Unavailable ↔ `UNAVAILABLE`, else `INTERNAL`. Everything received is
//! validated into domain types at this boundary.

use std::{path::PathBuf, pin::Pin, sync::Arc};

use async_trait::async_trait;
use bytes::Bytes;
use futures::{Stream, StreamExt, stream::BoxStream};
use hyper_util::rt::TokioIo;
use tonic::{
    Request, Response, Status,
    transport::{Channel, Endpoint, Uri},
};
use tvix_castore::{
    ErrorKind, InstanceName, Message, Store,
    backend::grpc::server::{self, ExtraServices, ListenAddr, ServeError},
};

use super::{PathInfoError, PathInfoService};
use crate::{
    PathInfo, StorePathHash,
    nar::{RenderError, RenderOptions, calculate_nar},
    proto::{
        self, get_path_info_request::ByWhat, path_info_service_client::PathInfoServiceClient,
        path_info_service_server,
    },
};

pub use proto::path_info_service_server::PathInfoServiceServer;

/// An error as a status, its whole source chain in the message, with the
/// code castore uses for the same kind of error.
fn to_status(kind: ErrorKind, e: &(dyn std::error::Error + 'static)) -> Status {
    tvix_castore::backend::grpc::to_status(kind, None, e)
}

/// Why a gRPC client could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// Not `grpc+unix:///PATH` or `grpc+http://HOST:PORT`.
    #[error("unsupported gRPC URL {0:?}: use grpc+unix:///PATH or grpc+http://HOST:PORT")]
    UnsupportedUrl(String),
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

/// A lazily connecting channel for `url` (same URL forms as castore's gRPC backend).
pub(crate) fn channel(url: &url::Url) -> Result<Channel, ConnectError> {
    match url.scheme() {
        "grpc+unix" if url.host_str().is_none_or(str::is_empty) && url.path().len() > 1 => {
            let path = PathBuf::from(url.path());
            // The URI is a placeholder: the connector ignores it.
            Ok(
                Endpoint::from_static("http://[::]:0").connect_with_connector_lazy(
                    tower::service_fn(move |_: Uri| {
                        let path = path.clone();
                        async move {
                            let s = tokio::net::UnixStream::connect(path).await?;
                            Ok::<_, std::io::Error>(TokioIo::new(s))
                        }
                    }),
                ),
            )
        }
        "grpc+http" if url.path().is_empty() || url.path() == "/" => {
            let inner = url.as_str().trim_start_matches("grpc+");
            Ok(Endpoint::from_shared(inner.to_owned())
                .map_err(|source| ConnectError::Endpoint {
                    url: url.to_string(),
                    source,
                })?
                .connect_lazy())
        }
        _ => Err(ConnectError::UnsupportedUrl(url.to_string())),
    }
}

/// A client of a PathInfo gRPC server (`tvix-store daemon`).
#[derive(Debug, Clone)]
pub struct GrpcPathInfoService {
    name: InstanceName,
    client: PathInfoServiceClient<Channel>,
}

impl GrpcPathInfoService {
    /// A client for `url`; connects on first use. Needs a tokio runtime.
    pub fn connect_lazy(name: InstanceName, url: &url::Url) -> Result<Self, ConnectError> {
        Ok(Self {
            name,
            client: PathInfoServiceClient::new(channel(url)?),
        })
    }

    fn err(&self, s: Status) -> PathInfoError {
        PathInfoError::from_kind(
            tvix_castore::backend::grpc::code_to_kind(s.code()),
            &self.name,
            s,
        )
    }

    fn invalid(&self, e: proto::ValidatePathInfoError) -> PathInfoError {
        PathInfoError::corrupt(&self.name, "PathInfo sent by the server", e)
    }

    /// The NAR size and SHA-256 of `node`, computed by the server.
    pub async fn calculate_nar(
        &self,
        node: &tvix_castore::Node,
    ) -> Result<crate::nar::NarSummary, PathInfoError> {
        let resp = self
            .client
            .clone()
            .calculate_nar(tvix_castore::proto::Node::from(node))
            .await
            .map_err(|s| self.err(s))?
            .into_inner();
        let nar_sha256 = resp.nar_sha256.as_ref().try_into().map_err(|_| {
            PathInfoError::corrupt(
                &self.name,
                "CalculateNAR response",
                Message(format!("nar_sha256 has {} bytes", resp.nar_sha256.len())),
            )
        })?;
        Ok(crate::nar::NarSummary {
            nar_size: resp.nar_size,
            nar_sha256,
        })
    }
}

#[async_trait]
impl PathInfoService for GrpcPathInfoService {
    #[tracing::instrument(level = "trace", skip_all, fields(instance = %self.name, hash = %hash))]
    async fn get(&self, hash: &StorePathHash) -> Result<Option<PathInfo>, PathInfoError> {
        let req = proto::GetPathInfoRequest {
            by_what: Some(ByWhat::ByOutputHash(Bytes::copy_from_slice(&hash.0))),
        };
        match self.client.clone().get(req).await {
            Ok(resp) => {
                let info = PathInfo::try_from(resp.into_inner()).map_err(|e| self.invalid(e))?;
                if info.hash() != *hash {
                    return Err(PathInfoError::corrupt(
                        &self.name,
                        format!("PathInfo {hash}"),
                        Message(format!("the server sent {}", info.store_path)),
                    ));
                }
                Ok(Some(info))
            }
            Err(s) if s.code() == tonic::Code::NotFound => Ok(None),
            Err(s) => Err(self.err(s)),
        }
    }

    #[tracing::instrument(level = "trace", skip_all, fields(instance = %self.name, path = %info.store_path))]
    async fn put(&self, info: PathInfo) -> Result<PathInfo, PathInfoError> {
        let resp = self
            .client
            .clone()
            .put(proto::PathInfo::from(&info))
            .await
            .map_err(|s| self.err(s))?;
        PathInfo::try_from(resp.into_inner()).map_err(|e| self.invalid(e))
    }

    fn list(&self) -> BoxStream<'static, Result<PathInfo, PathInfoError>> {
        let this = self.clone();
        Box::pin(
            futures::stream::once(async move {
                match this
                    .client
                    .clone()
                    .list(proto::ListPathInfoRequest {})
                    .await
                {
                    Ok(resp) => {
                        let t = this.clone();
                        resp.into_inner()
                            .map(move |item| match item {
                                Ok(p) => PathInfo::try_from(p).map_err(|e| t.invalid(e)),
                                Err(s) => Err(t.err(s)),
                            })
                            .boxed()
                    }
                    Err(s) => futures::stream::iter([Err(this.err(s))]).boxed(),
                }
            })
            .flatten(),
        )
    }
}

/// Serves a [`PathInfoService`], and `CalculateNAR` over a castore store.
#[derive(Clone)]
pub struct PathInfoServer {
    pathinfo: Arc<dyn PathInfoService>,
    store: Store,
}

impl PathInfoServer {
    /// A server of `pathinfo`, rendering NARs from `store`.
    #[must_use]
    pub fn new(pathinfo: Arc<dyn PathInfoService>, store: Store) -> Self {
        Self { pathinfo, store }
    }

    /// The tonic service, to add to a router.
    #[must_use]
    pub fn into_service(self) -> PathInfoServiceServer<Self> {
        PathInfoServiceServer::new(self)
    }
}

/// Serves castore's Blob, Chunk and Directory services of `services.store`
/// and the PathInfo service `services.pathinfo` (with `CalculateNAR` over the
/// same store) on `addr`, until `shutdown` completes; see
/// [`tvix_castore::backend::grpc::server::serve_with`].
pub async fn serve(
    services: crate::composition::Services,
    addr: &ListenAddr,
    shutdown: impl std::future::Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    let pathinfo = PathInfoServer::new(services.pathinfo, services.store.clone()).into_service();
    let extra = ExtraServices::new().add_service(pathinfo);
    server::serve_with(services.store, extra, addr, shutdown).await
}

fn render_status(e: &RenderError) -> Status {
    let kind = match e {
        RenderError::DirectoryMissing(_) | RenderError::BlobMissing(_) => ErrorKind::NotFound,
        RenderError::SizeMismatch { .. } => ErrorKind::Corrupt,
        _ => ErrorKind::Storage,
    };
    to_status(kind, e)
}

type ListStream = Pin<Box<dyn Stream<Item = Result<proto::PathInfo, Status>> + Send + 'static>>;

#[tonic::async_trait]
impl path_info_service_server::PathInfoService for PathInfoServer {
    async fn get(
        &self,
        req: Request<proto::GetPathInfoRequest>,
    ) -> Result<Response<proto::PathInfo>, Status> {
        let Some(ByWhat::ByOutputHash(h)) = req.into_inner().by_what else {
            return Err(Status::invalid_argument("no by_what given"));
        };
        let hash = StorePathHash(h.as_ref().try_into().map_err(|_| {
            Status::invalid_argument(format!("hash has {} bytes, not 20", h.len()))
        })?);
        match self.pathinfo.get(&hash).await {
            Ok(Some(info)) => Ok(Response::new(proto::PathInfo::from(&info))),
            Ok(None) => Err(Status::not_found(format!("no PathInfo for {hash}"))),
            Err(e) => Err(to_status(e.kind(), &e)),
        }
    }

    async fn put(
        &self,
        req: Request<proto::PathInfo>,
    ) -> Result<Response<proto::PathInfo>, Status> {
        let info = PathInfo::try_from(req.into_inner())
            .map_err(|e| Status::invalid_argument(e.to_string()))?;
        match self.pathinfo.put(info).await {
            Ok(info) => Ok(Response::new(proto::PathInfo::from(&info))),
            Err(e) => Err(to_status(e.kind(), &e)),
        }
    }

    async fn calculate_nar(
        &self,
        req: Request<tvix_castore::proto::Node>,
    ) -> Result<Response<proto::CalculateNarResponse>, Status> {
        let node = tvix_castore::Node::try_from(req.into_inner())
            .map_err(|e| Status::invalid_argument(e.to_string()))?;
        let s = calculate_nar(&node, &self.store, RenderOptions::default())
            .await
            .map_err(|e| render_status(&e))?;
        Ok(Response::new(proto::CalculateNarResponse {
            nar_size: s.nar_size,
            nar_sha256: Bytes::copy_from_slice(&s.nar_sha256),
        }))
    }

    type ListStream = ListStream;

    async fn list(
        &self,
        _: Request<proto::ListPathInfoRequest>,
    ) -> Result<Response<Self::ListStream>, Status> {
        let s = self.pathinfo.list().map(|item| match item {
            Ok(info) => Ok(proto::PathInfo::from(&info)),
            Err(e) => Err(to_status(e.kind(), &e)),
        });
        Ok(Response::new(Box::pin(s)))
    }
}
