//! The one table from store URLs to the PathInfo service kept with them.
//!
//! | URL | PathInfo service |
//! |---|---|
//! | `memory://` | `memory` |
//! | `local:///DIR`, `redb:///DIR` | `redb`, file `DIR/pathinfo.redb` |
//! | `grpc+unix:///SOCKET`, `grpc+http://HOST:PORT` | `grpc`, the same server |
//! | `objectstore+file:///DIR` | `redb`, file `DIR/pathinfo.redb` |
//! | `objectstore+memory:///` | `memory` |
//! | `sqlite:///FILE` | `sqlite`, the database `FILE` (only as a reference inside a composition: it names no castore store) |
//! | `nix+file:///DIR?OPTIONS` | `nix`, the binary cache `file:///DIR?OPTIONS` (castore in memory) |
//! | `nix+http://HOST/PATH?OPTIONS`, `nix+https://…` | `nix`, the HTTP binary cache `http(s)://HOST/PATH?OPTIONS` (castore in memory) |
//! | any of them with `?cache=URL` | `cache`: near = URL's service, far = the rest's |
//!
//! Other object stores keep no PathInfo: use a composition file. A URL named
//! `N` gives the instance `N`; with `?cache=` also `N.inner` and `N.cache`.
//! In a composition file, a PathInfo service may refer to another by URL
//! (anything containing `://`), which this table turns into an anonymous
//! instance named after the URL, as castore does for stores.

use std::{collections::BTreeMap, path::PathBuf};

use super::PathInfoConfig;

/// Why a URL does not give a PathInfo service.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UrlError {
    /// Not a URL.
    #[error("{url:?} is not a URL")]
    Parse {
        /// The text.
        url: String,
        /// Why.
        #[source]
        source: ::url::ParseError,
    },
    /// A URL that names no place for PathInfo.
    #[error("{url:?} keeps no PathInfo; use a composition file with a [pathinfo.root] entry")]
    NoPathInfo {
        /// The URL.
        url: String,
    },
}

/// Converts `url` to PathInfo instance configs, the main one named `name`.
pub fn to_config(url: &str, name: &str) -> Result<BTreeMap<String, PathInfoConfig>, UrlError> {
    let mut u = ::url::Url::parse(url).map_err(|source| UrlError::Parse {
        url: url.to_owned(),
        source,
    })?;
    let mut out = BTreeMap::new();
    if let Some(rest) = url.strip_prefix("nix+") {
        out.insert(
            name.to_owned(),
            PathInfoConfig::Nix {
                url: rest.to_owned(),
                store: None,
            },
        );
        return Ok(out);
    }
    if let Some(cache_url) = tvix_castore::composition::url::take_cache_option(&mut u) {
        let inner = format!("{name}.inner");
        let near = format!("{name}.cache");
        out.extend(to_config(u.as_str(), &inner)?);
        out.extend(to_config(&cache_url, &near)?);
        out.insert(name.to_owned(), PathInfoConfig::Cache { near, far: inner });
        return Ok(out);
    }
    let db_in = |dir: &str| PathInfoConfig::Redb {
        path: Some(PathBuf::from(dir).join("pathinfo.redb")),
    };
    let cfg = match u.scheme() {
        "memory" | "objectstore+memory" => PathInfoConfig::Memory {},
        "local" | "redb" | "objectstore+file" => db_in(u.path()),
        "grpc+unix" | "grpc+http" => PathInfoConfig::Grpc { url: u.to_string() },
        "sqlite" if u.path().len() > 1 => PathInfoConfig::Sqlite {
            path: Some(PathBuf::from(u.path())),
        },
        _ => {
            return Err(UrlError::NoPathInfo {
                url: url.to_owned(),
            });
        }
    };
    out.insert(name.to_owned(), cfg);
    Ok(out)
}
