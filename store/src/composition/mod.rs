//! Building the castore store and the PathInfo service from one
//! configuration.
//!
//! It extends castore's composition format (see
//! [`tvix_castore::composition`]) with a `[pathinfo.<alias>]` table of
//! PathInfo service instances and a `pathinfo_root` naming the one to use:
//!
//! ```toml
//! root = "local"              # castore store to use (default "root")
//! pathinfo_root = "cached"    # PathInfo service to use (default "root")
//!
//! [stores.local]
//! type = "local"
//! path = "/var/lib/tvix/store"
//!
//! [pathinfo.cached]
//! type = "cache"
//! near = "recent"
//! far = "db"
//!
//! [pathinfo.recent]
//! type = "lru"
//! capacity = 1000
//!
//! [pathinfo.db]
//! type = "redb"
//! path = "/var/lib/tvix/store/pathinfo.redb"
//! ```
//!
//! A store URL gives both parts: castore's URL table builds the castore
//! store, and [`url`] maps the same URL to a PathInfo service kept beside it.
//! Each alias is built once; unknown aliases and reference cycles are errors
//! naming them (castore's generic [`alias::build`] does the walk); every
//! instance carries its alias as its instance name.

pub mod url;

use std::{
    collections::{BTreeMap, HashMap},
    num::NonZeroUsize,
    path::PathBuf,
    sync::Arc,
};

use serde::Deserialize;
use tvix_castore::{
    BoxError, Store,
    composition::{
        self, Composition, CompositionConfig, CompositionError, InstanceConfig, OptionsConfig,
        StoreArg, alias,
    },
};

use crate::{
    PathInfoService,
    pathinfoservice::{
        binary_cache::BinaryCachePathInfoService, cache::CachePathInfoService,
        lru::LruPathInfoService, memory::MemoryPathInfoService, redb::RedbPathInfoService,
    },
};

/// The alias used when a configuration names none.
pub const DEFAULT_ROOT: &str = "root";

fn default_root() -> String {
    DEFAULT_ROOT.to_owned()
}

/// A whole configuration: castore's, plus PathInfo services.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreCompositionConfig {
    /// The alias of the castore store to use.
    #[serde(default = "default_root")]
    pub root: String,
    /// castore's blob options.
    #[serde(default)]
    pub options: OptionsConfig,
    /// castore instances by alias.
    #[serde(default)]
    pub stores: BTreeMap<String, InstanceConfig>,
    /// The alias of the PathInfo service to use.
    #[serde(default = "default_root")]
    pub pathinfo_root: String,
    /// PathInfo service instances by alias.
    #[serde(default)]
    pub pathinfo: BTreeMap<String, PathInfoConfig>,
}

/// One PathInfo service instance. References to other instances are aliases.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
#[non_exhaustive]
pub enum PathInfoConfig {
    /// In process memory.
    Memory {},
    /// A redb database file (in memory if `path` is not given).
    Redb {
        /// The database file (its directory is created if missing).
        path: Option<PathBuf>,
    },
    /// An SQLite database file (in memory if `path` is not given; feature
    /// `sqlite`).
    Sqlite {
        /// The database file (its directory is created if missing).
        path: Option<PathBuf>,
    },
    /// A gRPC server (`grpc+unix:///SOCK` or `grpc+http://HOST:PORT`).
    Grpc {
        /// The server URL.
        url: String,
    },
    /// The `capacity` most recently used entries, in memory.
    Lru {
        /// How many entries to keep.
        capacity: NonZeroUsize,
    },
    /// `near` in front of `far`.
    Cache {
        /// The near (fast) service.
        near: String,
        /// The far (authoritative) service.
        far: String,
    },
    /// Signs what is put with a Nix secret key file, then puts it into `inner`.
    Signing {
        /// The wrapped service.
        inner: String,
        /// The secret key file (`nix key generate-secret`).
        keyfile: PathBuf,
    },
    /// A Nix binary cache: `file:///DIR`, `http://HOST/PATH` or
    /// `https://HOST/PATH` with options
    /// `compression=`, `secret-key=`, `trusted-public-keys=` (see
    /// [`BinaryCachePathInfoService`]).
    Nix {
        /// The cache URL.
        url: String,
        /// The castore store NARs are ingested into and rendered from
        /// (default: the root store).
        store: Option<String>,
    },
}

impl PathInfoConfig {
    fn references(&self) -> Vec<&str> {
        match self {
            Self::Cache { near, far } => vec![near, far],
            Self::Signing { inner, .. } => vec![inner],
            _ => vec![],
        }
    }
}

/// Why a composition could not be read or built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreCompositionError {
    /// The castore part failed, or the argument could not be read or parsed
    /// (castore's `Read` and `Toml`).
    #[error(transparent)]
    Castore(#[from] CompositionError),
    /// A URL could not be converted to PathInfo services.
    #[error("invalid store URL")]
    Url(#[source] url::UrlError),
    /// An alias that is not defined.
    #[error("unknown PathInfo service {alias:?}{}", referrer.as_ref().map(|r| format!(" (referred to by {r:?})")).unwrap_or_default())]
    UnknownAlias {
        /// The alias.
        alias: String,
        /// The instance referring to it.
        referrer: Option<String>,
    },
    /// Instances refer to each other in a cycle.
    #[error("reference cycle: {}", .0.join(" -> "))]
    Cycle(Vec<String>),
    /// An instance could not be built.
    #[error("cannot build PathInfo service {alias:?}")]
    Build {
        /// The alias.
        alias: String,
        /// Why.
        #[source]
        source: BoxError,
    },
}

/// The services a composition provides.
#[derive(Clone)]
pub struct Services {
    /// The castore store (blobs, chunks, directories).
    pub store: Store,
    /// The PathInfo service.
    pub pathinfo: Arc<dyn PathInfoService>,
}

/// A configuration being built.
pub struct StoreComposition {
    castore: Composition,
    pathinfo_root: String,
    pathinfo: BTreeMap<String, PathInfoConfig>,
    built: HashMap<String, Arc<dyn PathInfoService>>,
}

impl std::fmt::Debug for StoreComposition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreComposition")
            .field("castore", &self.castore)
            .field("pathinfo_root", &self.pathinfo_root)
            .field("pathinfo", &self.pathinfo)
            .finish_non_exhaustive()
    }
}

impl StoreComposition {
    /// A composition of `config`.
    #[must_use]
    pub fn new(config: StoreCompositionConfig) -> Self {
        Self {
            castore: Composition::new(CompositionConfig {
                root: config.root,
                options: config.options,
                stores: config.stores,
            }),
            pathinfo_root: config.pathinfo_root,
            pathinfo: config.pathinfo,
            built: HashMap::new(),
        }
    }

    /// Parses TOML.
    pub fn from_toml(s: &str) -> Result<Self, StoreCompositionError> {
        Ok(Self::new(composition::parse_toml(s)?))
    }

    /// Converts a store URL: castore's part by castore's table, the PathInfo
    /// part by [`url::to_config`].
    pub fn from_url(s: &str) -> Result<Self, StoreCompositionError> {
        // A binary cache holds no castore data: NARs fetched from it are
        // ingested into memory.
        let castore_url = if s.starts_with("nix+") {
            "memory://"
        } else {
            s
        };
        let castore = Composition::from_url(castore_url)?;
        let pathinfo = url::to_config(s, DEFAULT_ROOT).map_err(StoreCompositionError::Url)?;
        Ok(Self {
            castore,
            pathinfo_root: DEFAULT_ROOT.to_owned(),
            pathinfo,
            built: HashMap::new(),
        })
    }

    /// A store argument: a URL if it contains `://`, else a TOML file's path.
    pub fn from_arg(arg: &str) -> Result<Self, StoreCompositionError> {
        match composition::read_arg(arg)? {
            StoreArg::Url(u) => Self::from_url(u),
            StoreArg::Toml(text) => Self::from_toml(&text),
        }
    }

    /// Builds the root castore store and the root PathInfo service.
    pub fn build_root(&mut self) -> Result<Services, StoreCompositionError> {
        let store = self.castore.build_root()?;
        let root = self.pathinfo_root.clone();
        let pathinfo = self.build_pathinfo(&root)?;
        Ok(Services { store, pathinfo })
    }

    /// The castore part.
    pub fn castore(&mut self) -> &mut Composition {
        &mut self.castore
    }

    /// Builds the PathInfo service `alias` (and what it refers to), once.
    pub fn build_pathinfo(
        &mut self,
        alias: &str,
    ) -> Result<Arc<dyn PathInfoService>, StoreCompositionError> {
        alias::build(self, alias)
    }
}

impl From<alias::AliasError> for StoreCompositionError {
    fn from(e: alias::AliasError) -> Self {
        match e {
            alias::AliasError::UnknownAlias { alias, referrer } => {
                Self::UnknownAlias { alias, referrer }
            }
            alias::AliasError::Cycle(c) => Self::Cycle(c),
            // Future variants: as castore words them.
            other => Self::Castore(other.into()),
        }
    }
}

impl alias::Instances for StoreComposition {
    type Config = PathInfoConfig;
    type Instance = Arc<dyn PathInfoService>;
    type Error = StoreCompositionError;

    fn built(&mut self) -> &mut HashMap<String, Arc<dyn PathInfoService>> {
        &mut self.built
    }

    fn config(&mut self, alias: &str) -> Result<Option<PathInfoConfig>, StoreCompositionError> {
        if let Some(c) = self.pathinfo.get(alias) {
            return Ok(Some(c.clone()));
        }
        if !alias.contains("://") {
            return Ok(None);
        }
        // A URL reference: an anonymous instance named after the URL.
        let entries = url::to_config(alias, alias).map_err(StoreCompositionError::Url)?;
        self.pathinfo.extend(entries);
        Ok(self.pathinfo.get(alias).cloned())
    }

    fn references(config: &PathInfoConfig) -> Vec<&str> {
        config.references()
    }

    fn instantiate(
        &mut self,
        alias: &str,
        config: &PathInfoConfig,
        deps: Vec<Arc<dyn PathInfoService>>,
    ) -> Result<Arc<dyn PathInfoService>, StoreCompositionError> {
        let castore = match config {
            PathInfoConfig::Nix { store, .. } => Some(match store {
                Some(s) => self.castore.build(s)?,
                None => self.castore.build_root()?,
            }),
            _ => None,
        };
        instantiate(alias, config, deps, castore).map_err(|source| StoreCompositionError::Build {
            alias: alias.to_owned(),
            source,
        })
    }
}

fn instantiate(
    alias: &str,
    cfg: &PathInfoConfig,
    deps: Vec<Arc<dyn PathInfoService>>,
    castore: Option<Store>,
) -> Result<Arc<dyn PathInfoService>, BoxError> {
    let name: tvix_castore::InstanceName = Arc::from(alias);
    let mut deps = deps.into_iter();
    let mut dep = || deps.next().ok_or("internal: missing reference");
    Ok(match cfg {
        PathInfoConfig::Memory {} => Arc::new(MemoryPathInfoService::new(name)),
        PathInfoConfig::Redb { path: Some(p) } => Arc::new(RedbPathInfoService::open(name, p)?),
        PathInfoConfig::Redb { path: None } => Arc::new(RedbPathInfoService::in_memory(name)?),
        #[cfg(feature = "sqlite")]
        PathInfoConfig::Sqlite { path } => {
            use crate::pathinfoservice::sqlite::SqlitePathInfoService;
            Arc::new(match path {
                Some(p) => SqlitePathInfoService::open(name, p)?,
                None => SqlitePathInfoService::in_memory(name)?,
            })
        }
        #[cfg(not(feature = "sqlite"))]
        PathInfoConfig::Sqlite { .. } => {
            return Err("the sqlite PathInfo service needs the `sqlite` feature".into());
        }
        #[cfg(feature = "grpc")]
        PathInfoConfig::Grpc { url } => {
            let url = ::url::Url::parse(url)?;
            Arc::new(crate::pathinfoservice::grpc::GrpcPathInfoService::connect_lazy(name, &url)?)
        }
        #[cfg(not(feature = "grpc"))]
        PathInfoConfig::Grpc { .. } => return Err("gRPC services need the `grpc` feature".into()),
        PathInfoConfig::Lru { capacity } => Arc::new(LruPathInfoService::new(name, *capacity)),
        PathInfoConfig::Cache { .. } => {
            let near = dep()?;
            let far = dep()?;
            Arc::new(CachePathInfoService::new(name, near, far))
        }
        PathInfoConfig::Signing { keyfile, .. } => {
            let key = crate::pathinfoservice::signing::read_key_file(keyfile)?;
            Arc::new(
                crate::pathinfoservice::signing::SigningPathInfoService::new(name, dep()?, key),
            )
        }
        PathInfoConfig::Nix { url, .. } => {
            let store = castore.ok_or("internal: no castore store for a binary cache")?;
            Arc::new(BinaryCachePathInfoService::from_url(name, url, store)?)
        }
    })
}

#[cfg(test)]
mod tests;
