//! Building stores from a configuration of named instances.
//!
//! A composition is a map from alias to `{type, options}`; options of
//! combinators name other aliases (or give a URL, which makes an anonymous
//! instance). It is read from TOML:
//!
//! ```toml
//! root = "main"            # the alias used as the store (default "root")
//!
//! [stores.main]
//! type = "cache"
//! near = "local"
//! far = "remote"
//!
//! [stores.local]
//! type = "local"
//! path = "/var/cache/tvix/castore"
//!
//! [stores.remote]
//! type = "retry"
//! inner = "grpc+http://[::1]:8000"   # a URL instead of an alias
//! attempts = 5
//! ```
//!
//! or converted from a URL by [`url`] (`memory://`, `local:///DIR`,
//! `grpc+unix:///SOCK`, `grpc+http://HOST:PORT`, `objectstore+file:///DIR`,
//! any of them with `?cache=URL`). Both go through [`Composition::build`], which
//! builds each alias once (later requests get the same store), and reports
//! unknown aliases and reference cycles by name. Every store carries its alias
//! as its instance name, which appears in its errors and tracing spans.

pub mod alias;
pub mod url;

use std::{
    collections::{BTreeMap, HashMap},
    path::PathBuf,
    sync::Arc,
    time::Duration,
};

use serde::Deserialize;

use crate::{
    BlobOptions, BoxError, Store,
    backend::{local::LocalBackend, memory::MemoryBackend},
    combinator::{
        cache::Cache,
        list::PriorityList,
        retry::{Retry, RetryOptions},
    },
};

/// The alias used as the store when a configuration names none.
pub const DEFAULT_ROOT: &str = "root";

/// A whole configuration: instances by alias, and which one is the store.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompositionConfig {
    /// The alias of the store to use.
    #[serde(default = "default_root")]
    pub root: String,
    /// Blob reading and writing options of the built stores.
    #[serde(default)]
    pub options: OptionsConfig,
    /// The instances by alias.
    #[serde(default)]
    pub stores: BTreeMap<String, InstanceConfig>,
}

fn default_root() -> String {
    DEFAULT_ROOT.to_owned()
}

/// Blob options as configured; unset fields keep the defaults of [`BlobOptions`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionsConfig {
    /// Chunks prefetched by blob readers.
    pub prefetch: Option<usize>,
    /// FastCDC average chunk size in bytes.
    pub avg_chunk_size: Option<u32>,
    /// Chunk uploads in flight per blob writer.
    pub upload_concurrency: Option<usize>,
}

impl OptionsConfig {
    fn to_options(&self) -> BlobOptions {
        let d = BlobOptions::default();
        BlobOptions {
            prefetch: self.prefetch.unwrap_or(d.prefetch),
            avg_chunk_size: self.avg_chunk_size.unwrap_or(d.avg_chunk_size),
            upload_concurrency: self.upload_concurrency.unwrap_or(d.upload_concurrency),
        }
    }
}

/// One instance: its type and options. References to other instances are
/// aliases, or URLs (anything containing `://`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
#[non_exhaustive]
pub enum InstanceConfig {
    /// In process memory.
    Memory {},
    /// A local directory (redb + chunk files).
    Local {
        /// The directory (created if missing).
        path: PathBuf,
    },
    /// An `object_store` URL (`file:///DIR`, `memory:///`, `s3://…` with feature `cloud`).
    #[serde(rename = "objectstore")]
    ObjectStore {
        /// The object store URL, without the `objectstore+` prefix.
        url: String,
        /// Options passed to `object_store` (credentials, region, ...).
        #[serde(default)]
        options: BTreeMap<String, String>,
    },
    /// A gRPC server (`grpc+unix:///SOCK` or `grpc+http://HOST:PORT`).
    Grpc {
        /// The server URL.
        url: String,
    },
    /// `near` in front of `far`.
    Cache {
        /// The near (fast) store.
        near: String,
        /// The far (authoritative) store.
        far: String,
    },
    /// Stores by priority.
    List {
        /// Highest priority first.
        stores: Vec<String>,
    },
    /// Retries with timeouts around `inner`.
    Retry {
        /// The wrapped store.
        inner: String,
        /// Attempts in total (default 3).
        attempts: Option<u32>,
        /// Time limit per attempt in milliseconds (default 30000).
        timeout_ms: Option<u64>,
        /// First backoff in milliseconds (default 100).
        backoff_ms: Option<u64>,
    },
    /// Each service from a different store.
    Split {
        /// The store whose chunk service is used.
        chunks: String,
        /// The store whose blob service is used.
        blobs: String,
        /// The store whose directory service is used.
        directories: String,
    },
}

impl InstanceConfig {
    /// The references this instance makes to other instances.
    fn references(&self) -> Vec<&str> {
        match self {
            Self::Cache { near, far } => vec![near, far],
            Self::List { stores } => stores.iter().map(String::as_str).collect(),
            Self::Retry { inner, .. } => vec![inner],
            Self::Split {
                chunks,
                blobs,
                directories,
            } => vec![chunks, blobs, directories],
            _ => vec![],
        }
    }
}

/// Why a composition could not be read or built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CompositionError {
    /// The TOML is malformed or does not match the format.
    #[error("invalid composition")]
    Toml(#[source] toml::de::Error),
    /// The composition file could not be read.
    #[error("cannot read composition file {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A URL could not be converted.
    #[error("invalid store URL")]
    Url(#[source] url::UrlError),
    /// An alias that is not defined.
    #[error("unknown store {alias:?}{}", referrer.as_ref().map(|r| format!(" (referred to by {r:?})")).unwrap_or_default())]
    UnknownAlias {
        /// The alias.
        alias: String,
        /// The instance referring to it, if any.
        referrer: Option<String>,
    },
    /// Instances refer to each other in a cycle.
    #[error("reference cycle: {}", .0.join(" -> "))]
    Cycle(Vec<String>),
    /// An instance could not be built.
    #[error("cannot build store {alias:?}")]
    Build {
        /// The alias.
        alias: String,
        /// Why.
        #[source]
        source: BoxError,
    },
}

/// A store argument (`--store`): a URL, or the contents of a TOML file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreArg<'a> {
    /// The argument contains `://`: a URL.
    Url(&'a str),
    /// The text of the composition file the argument names.
    Toml(String),
}

/// Reads a store argument: a URL if it contains `://`, else the path of a
/// TOML file, which is read. Shared with compositions that extend castore's.
pub fn read_arg(arg: &str) -> Result<StoreArg<'_>, CompositionError> {
    if arg.contains("://") {
        return Ok(StoreArg::Url(arg));
    }
    let path = PathBuf::from(arg);
    std::fs::read_to_string(&path)
        .map(StoreArg::Toml)
        .map_err(|source| CompositionError::Read { path, source })
}

/// Parses composition TOML into castore's configuration or one that extends
/// it (unknown fields are the config type's business).
pub fn parse_toml<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, CompositionError> {
    toml::from_str(s).map_err(CompositionError::Toml)
}

/// A configuration being built: each alias becomes a [`Store`] once.
#[derive(Debug)]
pub struct Composition {
    config: CompositionConfig,
    built: HashMap<String, Store>,
}

impl Composition {
    /// A composition of `config`.
    #[must_use]
    pub fn new(config: CompositionConfig) -> Self {
        Self {
            config,
            built: HashMap::new(),
        }
    }

    /// Parses TOML.
    pub fn from_toml(s: &str) -> Result<Self, CompositionError> {
        Ok(Self::new(parse_toml(s)?))
    }

    /// Converts a URL (the store is its root alias `root`).
    pub fn from_url(s: &str) -> Result<Self, CompositionError> {
        let stores = url::to_config(s, DEFAULT_ROOT).map_err(CompositionError::Url)?;
        Ok(Self::new(CompositionConfig {
            root: DEFAULT_ROOT.to_owned(),
            options: OptionsConfig::default(),
            stores,
        }))
    }

    /// A store argument: a URL if it contains `://`, else the path of a TOML file.
    pub fn from_arg(arg: &str) -> Result<Self, CompositionError> {
        match read_arg(arg)? {
            StoreArg::Url(u) => Self::from_url(u),
            StoreArg::Toml(text) => Self::from_toml(&text),
        }
    }

    /// The configuration (with anonymous instances added for URL references
    /// built so far).
    #[must_use]
    pub fn config(&self) -> &CompositionConfig {
        &self.config
    }

    /// Builds the root store.
    pub fn build_root(&mut self) -> Result<Store, CompositionError> {
        let root = self.config.root.clone();
        self.build(&root)
    }

    /// Builds the store called `alias` (and what it refers to), once: later
    /// calls return the same store. gRPC clients need a tokio runtime.
    pub fn build(&mut self, alias: &str) -> Result<Store, CompositionError> {
        alias::build(self, alias)
    }
}

impl From<alias::AliasError> for CompositionError {
    fn from(e: alias::AliasError) -> Self {
        match e {
            alias::AliasError::UnknownAlias { alias, referrer } => {
                Self::UnknownAlias { alias, referrer }
            }
            alias::AliasError::Cycle(c) => Self::Cycle(c),
        }
    }
}

impl alias::Instances for Composition {
    type Config = InstanceConfig;
    type Instance = Store;
    type Error = CompositionError;

    fn built(&mut self) -> &mut HashMap<String, Store> {
        &mut self.built
    }

    fn config(&mut self, alias: &str) -> Result<Option<InstanceConfig>, CompositionError> {
        if let Some(c) = self.config.stores.get(alias) {
            return Ok(Some(c.clone()));
        }
        if !alias.contains("://") {
            return Ok(None);
        }
        // A URL reference: an anonymous instance named after the URL.
        let entries = url::to_config(alias, alias).map_err(CompositionError::Url)?;
        self.config.stores.extend(entries);
        Ok(self.config.stores.get(alias).cloned())
    }

    fn references(config: &InstanceConfig) -> Vec<&str> {
        config.references()
    }

    fn instantiate(
        &mut self,
        alias: &str,
        config: &InstanceConfig,
        deps: Vec<Store>,
    ) -> Result<Store, CompositionError> {
        Ok(instantiate(alias, config, deps)
            .map_err(|source| CompositionError::Build {
                alias: alias.to_owned(),
                source,
            })?
            .with_options(self.config.options.to_options()))
    }
}

/// Builds one instance from its config and its already built references (in
/// the order of [`InstanceConfig::references`]).
fn instantiate(alias: &str, cfg: &InstanceConfig, deps: Vec<Store>) -> Result<Store, BoxError> {
    let name: crate::InstanceName = Arc::from(alias);
    let mut deps = deps.into_iter();
    let mut dep = || deps.next().ok_or("internal: missing reference");
    Ok(match cfg {
        InstanceConfig::Memory {} => Store::from_backend(name.clone(), MemoryBackend::new(name)),
        InstanceConfig::Local { path } => {
            Store::from_backend(name.clone(), LocalBackend::open(name, path)?)
        }
        #[cfg(feature = "objectstore")]
        InstanceConfig::ObjectStore { url, options } => Store::from_backend(
            name.clone(),
            crate::backend::object_store::ObjectStoreBackend::open(name, url, options)?,
        ),
        #[cfg(not(feature = "objectstore"))]
        InstanceConfig::ObjectStore { .. } => {
            return Err("object store backends need the `objectstore` feature".into());
        }
        #[cfg(feature = "grpc")]
        InstanceConfig::Grpc { url } => {
            let url = ::url::Url::parse(url)?;
            Store::from_backend(
                name.clone(),
                crate::backend::grpc::GrpcBackend::connect_lazy(name, &url)?,
            )
        }
        #[cfg(not(feature = "grpc"))]
        InstanceConfig::Grpc { .. } => {
            return Err("gRPC backends need the `grpc` feature".into());
        }
        InstanceConfig::Cache { .. } => {
            let near = dep()?;
            let far = dep()?;
            Store::from_backend(name.clone(), Cache::new(name, near, far))
        }
        InstanceConfig::List { .. } => {
            let stores: Vec<Store> = deps.collect();
            Store::from_backend(name.clone(), PriorityList::new(name, stores)?)
        }
        InstanceConfig::Retry {
            attempts,
            timeout_ms,
            backoff_ms,
            ..
        } => {
            let d = RetryOptions::default();
            let opts = RetryOptions {
                attempts: attempts.unwrap_or(d.attempts),
                timeout: timeout_ms.map_or(d.timeout, Duration::from_millis),
                backoff: backoff_ms.map_or(d.backoff, Duration::from_millis),
            };
            Store::from_backend(name.clone(), Retry::new(name, dep()?, opts))
        }
        InstanceConfig::Split { .. } => {
            let chunks = dep()?;
            let blobs = dep()?;
            let dirs = dep()?;
            Store::new(
                name,
                chunks.chunks().clone(),
                blobs.blobs().clone(),
                dirs.directories().clone(),
            )
        }
    })
}

#[cfg(test)]
mod tests;
