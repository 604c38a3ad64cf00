//! The one table from store URLs to [`InstanceConfig`]s.
//!
//! | URL | instance |
//! |---|---|
//! | `memory://` | `memory` |
//! | `local:///DIR`, `redb:///DIR` (synonym) | `local`, path `DIR` |
//! | `grpc+unix:///SOCKET`, `grpc+http://HOST:PORT` | `grpc` |
//! | `objectstore+SCHEME://…` (`file`, `memory`; `s3`, `gs`, `az` with feature `cloud`) | `objectstore`, URL `SCHEME://…`, query pairs as options |
//! | any of them with `?cache=URL` | `cache` with near = URL, far = the rest |
//!
//! A URL named `N` gives the instance `N`; with `?cache=` also `N.inner` (the
//! URL without the parameter) and `N.cache` (the cache's URL, converted the
//! same way).

use std::collections::BTreeMap;

use super::InstanceConfig;

/// Why a URL is not a store URL.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UrlError {
    /// Not a URL at all.
    #[error("{url:?} is not a URL")]
    Parse {
        /// The text.
        url: String,
        /// Why.
        #[source]
        source: ::url::ParseError,
    },
    /// An unknown scheme.
    #[error(
        "unknown store URL scheme {scheme:?} in {url:?} (known: memory, local, redb, grpc+unix, grpc+http, objectstore+…)"
    )]
    UnknownScheme {
        /// The scheme.
        scheme: String,
        /// The URL.
        url: String,
    },
    /// A URL part that this scheme does not take.
    #[error("{url:?}: {what}")]
    Invalid {
        /// The URL.
        url: String,
        /// What is wrong.
        what: &'static str,
    },
}

/// Removes a `cache=URL` query option from `u`, keeping the other options,
/// and returns that URL. Shared with tvix-store's PathInfo URLs, which take
/// `?cache=` the same way.
pub fn take_cache_option(u: &mut ::url::Url) -> Option<String> {
    let mut cache = None;
    let mut rest = Vec::new();
    for (k, v) in u.query_pairs() {
        if k == "cache" {
            cache = Some(v.into_owned());
        } else {
            rest.push((k.into_owned(), v.into_owned()));
        }
    }
    if cache.is_some() {
        if rest.is_empty() {
            u.set_query(None);
        } else {
            u.query_pairs_mut().clear().extend_pairs(&rest);
        }
    }
    cache
}

/// Converts `url` to instance configs, the main one named `name`.
pub fn to_config(url: &str, name: &str) -> Result<BTreeMap<String, InstanceConfig>, UrlError> {
    let mut u = ::url::Url::parse(url).map_err(|source| UrlError::Parse {
        url: url.to_owned(),
        source,
    })?;
    let invalid = |what| UrlError::Invalid {
        url: url.to_owned(),
        what,
    };
    let mut out = BTreeMap::new();
    if let Some(cache_url) = take_cache_option(&mut u) {
        let inner = format!("{name}.inner");
        let near = format!("{name}.cache");
        out.extend(to_config(u.as_str(), &inner)?);
        out.extend(to_config(&cache_url, &near)?);
        out.insert(name.to_owned(), InstanceConfig::Cache { near, far: inner });
        return Ok(out);
    }
    let has_host = u.host_str().is_some_and(|h| !h.is_empty());
    let cfg = match u.scheme() {
        "memory" => {
            if has_host || !(u.path().is_empty() || u.path() == "/") || u.query().is_some() {
                return Err(invalid("memory:// takes no host, path or options"));
            }
            InstanceConfig::Memory {}
        }
        "local" | "redb" => {
            if has_host {
                return Err(invalid("local:///DIR takes no host (use three slashes)"));
            }
            if u.path().len() <= 1 {
                return Err(invalid("local:///DIR needs a directory other than /"));
            }
            if u.query().is_some() {
                return Err(invalid("local:///DIR takes no options"));
            }
            InstanceConfig::Local {
                path: u.path().into(),
            }
        }
        "grpc+unix" | "grpc+http" => InstanceConfig::Grpc { url: u.to_string() },
        s if s.starts_with("objectstore+") => {
            let options: BTreeMap<String, String> = u
                .query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            let inner_scheme = &s["objectstore+".len()..];
            let mut inner = u.as_str().replacen(s, inner_scheme, 1);
            if let Some(q) = inner.find('?') {
                inner.truncate(q);
            }
            InstanceConfig::ObjectStore {
                url: inner,
                options,
            }
        }
        s => {
            return Err(UrlError::UnknownScheme {
                scheme: s.to_owned(),
                url: url.to_owned(),
            });
        }
    };
    out.insert(name.to_owned(), cfg);
    Ok(out)
}
