//! The HTTP(S) side of a binary cache: `GET`, `HEAD` and `PUT` of files
//! below a base URL, as C++ Nix's `HttpBinaryCacheStore` does them, over one
//! reqwest client shared by the whole process (its connection pool and TLS
//! set-up are made once).
//!
//! Status mapping (as C++ Nix): 404 and 403 are "no such file"; 5xx and
//! connection failures are [`PathInfoError::Unavailable`]; any other
//! non-success status is a storage error naming the URL and the status.

use std::{sync::OnceLock, time::Duration};

use bytes::Bytes;
use futures::TryStreamExt;
use reqwest::{Client, StatusCode};
use tvix_castore::{InstanceName, Message};

use super::{BoxedError, FileReader, PathInfoError};

/// The one client of the process.
static CLIENT: OnceLock<Client> = OnceLock::new();

/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// The shared client, made on first use.
fn client() -> Result<Client, BoxedError> {
    if let Some(c) = CLIENT.get() {
        return Ok(c.clone());
    }
    let c = Client::builder()
        .user_agent(concat!("tvix-store/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(CONNECT_TIMEOUT)
        .build()?;
    // Another thread may have won the race; either client is as good.
    Ok(CLIENT.get_or_init(|| c).clone())
}

/// A binary cache below a base URL.
#[derive(Debug, Clone)]
pub(super) struct HttpCache {
    /// Ends with `/`, has no query and the scheme `http` or `https`.
    base: url::Url,
    client: Client,
}

impl HttpCache {
    /// The cache at `u` (its `nix+` prefix and query are dropped), reached
    /// with `scheme`.
    pub(super) fn new(u: &url::Url, scheme: &str) -> Result<Self, BoxedError> {
        let mut path = u.path().to_owned();
        if !path.ends_with('/') {
            path.push('/');
        }
        let host = u.host_str().unwrap_or_default();
        let text = match u.port() {
            Some(p) => format!("{scheme}://{host}:{p}{path}"),
            None => format!("{scheme}://{host}{path}"),
        };
        let mut base = url::Url::parse(&text)?;
        if !u.username().is_empty() {
            let _ = base.set_username(u.username());
            let _ = base.set_password(u.password());
        }
        Ok(Self {
            base,
            client: client()?,
        })
    }

    fn url(&self, name: &InstanceName, rel: &str) -> Result<url::Url, PathInfoError> {
        self.base
            .join(rel)
            .map_err(|e| PathInfoError::invalid(name, format!("file name {rel:?}: {e}")))
    }

    /// Sends `req` and maps failures; `Ok(None)` for 404 and 403.
    async fn send(
        &self,
        name: &InstanceName,
        method: &str,
        url: &url::Url,
        req: reqwest::RequestBuilder,
    ) -> Result<Option<reqwest::Response>, PathInfoError> {
        let resp = req.send().await.map_err(|e| PathInfoError::Unavailable {
            instance: name.clone(),
            source: Box::new(super::Wrapped(format!("{method} {url}"), e.into())),
        })?;
        let status = resp.status();
        if status.is_success() {
            return Ok(Some(resp));
        }
        if status == StatusCode::NOT_FOUND || status == StatusCode::FORBIDDEN {
            return Ok(None);
        }
        let err = Message(format!("{method} {url}: HTTP status {status}"));
        Err(if status.is_server_error() {
            PathInfoError::Unavailable {
                instance: name.clone(),
                source: Box::new(err),
            }
        } else {
            PathInfoError::storage(name, err)
        })
    }

    /// The response to a `GET` of `rel`, or `None`.
    async fn get_response(
        &self,
        name: &InstanceName,
        rel: &str,
    ) -> Result<Option<(url::Url, reqwest::Response)>, PathInfoError> {
        let url = self.url(name, rel)?;
        let resp = self
            .send(name, "GET", &url, self.client.get(url.clone()))
            .await?;
        Ok(resp.map(|r| (url, r)))
    }

    /// The whole file `rel`, or `None`.
    pub(super) async fn get(
        &self,
        name: &InstanceName,
        rel: &str,
    ) -> Result<Option<Bytes>, PathInfoError> {
        let Some((url, resp)) = self.get_response(name, rel).await? else {
            return Ok(None);
        };
        let body = resp.bytes().await.map_err(|e| PathInfoError::Unavailable {
            instance: name.clone(),
            source: Box::new(super::Wrapped(format!("reading {url}"), e.into())),
        })?;
        Ok(Some(body))
    }

    /// A streaming reader of the file `rel` and its length if the server
    /// sent one, or `None`.
    pub(super) async fn open(
        &self,
        name: &InstanceName,
        rel: &str,
    ) -> Result<Option<(FileReader, Option<u64>)>, PathInfoError> {
        let Some((_, resp)) = self.get_response(name, rel).await? else {
            return Ok(None);
        };
        let len = resp.content_length();
        let stream = resp.bytes_stream().map_err(std::io::Error::other);
        Ok(Some((
            Box::new(tokio_util::io::StreamReader::new(stream)),
            len,
        )))
    }

    /// Whether the file `rel` exists (a `HEAD` request).
    pub(super) async fn exists(
        &self,
        name: &InstanceName,
        rel: &str,
    ) -> Result<bool, PathInfoError> {
        let url = self.url(name, rel)?;
        Ok(self
            .send(name, "HEAD", &url, self.client.head(url.clone()))
            .await?
            .is_some())
    }

    /// Uploads `data` as the file `rel` (a `PUT` request).
    pub(super) async fn put(
        &self,
        name: &InstanceName,
        rel: &str,
        data: Bytes,
        content_type: &'static str,
    ) -> Result<(), PathInfoError> {
        let url = self.url(name, rel)?;
        let req = self
            .client
            .put(url.clone())
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(data);
        match self.send(name, "PUT", &url, req).await? {
            Some(_) => Ok(()),
            None => Err(PathInfoError::storage(
                name,
                Message(format!("PUT {url}: refused (404 or 403)")),
            )),
        }
    }
}
