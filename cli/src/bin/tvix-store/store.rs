//! The store commands: `tvix-store import`, `path-info`, `nar dump` and `copy`, over
//! the castore store and PathInfo service that `--store` describes (see
//! `tvix_store::composition`).

use std::{
    collections::{BTreeMap, VecDeque},
    io::Write,
    path::PathBuf,
};

use anyhow::{Context, bail};
use nix_compat::store_path::StorePath;
use tokio::io::AsyncWriteExt;
use tracing::Instrument;
use tvix_store::{
    PathInfo, StorePathHash,
    composition::{Services, StoreComposition},
    import::add_path,
    nar::{RenderOptions, write_nar},
};
use tvix_tracing::{ProgressSpanExt, ProgressStyle, TracingHandle};

/// Runs `f` with the services of the store argument, in a tokio runtime.
pub(crate) fn with_services(
    store: Option<String>,
    f: impl AsyncFnOnce(Services) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    rt.block_on(async {
        let services = open_store(&tvix_cli::store_arg::store_arg(store)?)?;
        f(services).await
    })
}

/// `import PATH...`: adds each path as `nix-store --add` and prints its store
/// path. Progress: a bar counting paths, over each path's import (bytes) and
/// NAR hashing (bytes) bars.
pub(crate) async fn import(
    paths: &[PathBuf],
    services: Services,
    tracing: &TracingHandle,
) -> anyhow::Result<()> {
    let span = tvix_tracing::progress_span!("import", paths = paths.len());
    span.progress_set_style(ProgressStyle::Count);
    span.progress_set_length(paths.len() as u64);
    async {
        for path in paths {
            let info = add_path(&services, path)
                .await
                .with_context(|| format!("adding {}", path.display()))?;
            writeln!(tracing.stdout(), "{}", info.store_path.to_absolute_path())?;
            tracing::Span::current().progress_inc(1);
        }
        Ok(())
    }
    .instrument(span)
    .await
}

/// Parses an absolute store path given on the command line.
fn parse_store_path(s: &str) -> anyhow::Result<StorePath<String>> {
    tvix_store::parse_absolute(s.trim_end_matches('/'))
        .with_context(|| format!("{s:?} is not a store path"))
}

async fn lookup(services: &Services, p: &StorePath<String>) -> anyhow::Result<Option<PathInfo>> {
    let info = services
        .pathinfo
        .get(&StorePathHash::of(p))
        .await
        .with_context(|| format!("looking up {}", p.to_absolute_path()))?;
    // A PathInfo of another name with the same digest is not this path.
    Ok(info.filter(|i| i.store_path == *p))
}

/// `path-info [--json] [-r] PATH...`, as `nix path-info`.
pub(crate) async fn path_info(
    paths: &[String],
    json: bool,
    recursive: bool,
    services: Services,
    tracing: &TracingHandle,
) -> anyhow::Result<()> {
    let mut found: BTreeMap<String, Option<PathInfo>> = BTreeMap::new();
    let mut queue: VecDeque<StorePath<String>> = VecDeque::new();
    for p in paths {
        queue.push_back(parse_store_path(p)?);
    }
    while let Some(p) = queue.pop_front() {
        let key = p.to_absolute_path();
        if found.contains_key(&key) {
            continue;
        }
        let info = lookup(&services, &p).await?;
        match (&info, json) {
            (None, false) => bail!("path '{key}' is not valid"),
            (None, true) => tracing::warn!("path '{key}' is not valid"),
            (Some(i), _) if recursive => queue.extend(i.references.iter().cloned()),
            _ => {}
        }
        found.insert(key, info);
    }
    let mut out = tracing.stdout();
    if json {
        let doc = tvix_store::path_info_json_document(
            found.into_iter().map(|(k, v)| (k, v.map(|i| i.to_json()))),
        );
        writeln!(out, "{doc}")?;
    } else {
        for k in found.keys() {
            writeln!(out, "{k}")?;
        }
    }
    Ok(())
}

/// `nar dump STOREPATH`: writes the path's NAR to stdout.
pub(crate) async fn nar_dump(path: &str, services: Services) -> anyhow::Result<()> {
    let p = parse_store_path(path)?;
    let info = lookup(&services, &p)
        .await?
        .with_context(|| format!("path '{}' is not valid", p.to_absolute_path()))?;
    // tokio's stdout makes one blocking call per write: buffer generously.
    let stdout = tokio::io::BufWriter::with_capacity(1024 * 1024, tokio::io::stdout());
    let mut stdout = write_nar(
        stdout,
        &info.node,
        &services.store,
        RenderOptions::default(),
    )
    .await
    .with_context(|| format!("writing the NAR of {}", p.to_absolute_path()))?;
    stdout.flush().await?;
    Ok(())
}

/// Whether a `copy` argument is a Nix binary cache URL rather than a store.
fn is_binary_cache(url: &str) -> bool {
    ["file://", "http://", "https://"]
        .iter()
        .any(|p| url.starts_with(p))
}

/// Builds the services of a store argument (URL or composition file).
fn open_store(arg: &str) -> anyhow::Result<Services> {
    StoreComposition::from_arg(arg)
        .and_then(|mut c| c.build_root())
        .with_context(|| format!("store {arg:?}"))
}

/// A binary cache over `store`'s castore store, which it renders NARs from
/// and ingests NARs into.
fn binary_cache(
    url: &str,
    name: &str,
    store: &Services,
) -> anyhow::Result<std::sync::Arc<dyn tvix_store::PathInfoService>> {
    Ok(std::sync::Arc::new(
        tvix_store::pathinfoservice::binary_cache::BinaryCachePathInfoService::from_url(
            name.into(),
            url,
            store.store.clone(),
        )
        .with_context(|| format!("binary cache {url:?}"))?,
    ))
}

/// `copy [--from SRC] [--to DST] PATH...`, as `nix copy`. SRC and DST are
/// stores (URLs or composition files) or Nix binary cache URLs; a side not
/// given is `--store`, which is opened only then (or when both sides are
/// binary caches: NARs pass through its castore store).
pub(crate) fn copy(
    store: Option<String>,
    from: Option<&str>,
    to: Option<&str>,
    paths: &[String],
) -> anyhow::Result<()> {
    if from.is_none() && to.is_none() {
        bail!("give --from or --to (or both)");
    }
    let paths = paths
        .iter()
        .map(|p| parse_store_path(p))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    rt.block_on(async {
        let both_caches = from.is_some_and(is_binary_cache) && to.is_some_and(is_binary_cache);
        let (store_arg, default) = if from.is_none() || to.is_none() || both_caches {
            let arg = tvix_cli::store_arg::store_arg(store)?;
            let services = open_store(&arg)?;
            (Some(arg), Some(services))
        } else {
            (None, None)
        };
        let side = |arg: Option<&str>| -> anyhow::Result<Option<Services>> {
            match arg {
                None => Ok(default.clone()),
                Some(u) if is_binary_cache(u) => Ok(None),
                // The same store twice would lock its database twice.
                Some(u) if Some(u) == store_arg.as_deref() => Ok(default.clone()),
                Some(u) => open_store(u).map(Some),
            }
        };
        let src = side(from)?;
        // The same store on both sides is opened once (a second open would
        // wait for its database lock); everything is then present already.
        let dst = if from.is_some() && from == to {
            src.clone()
        } else {
            side(to)?
        };
        match (src, dst) {
            (Some(src), Some(dst)) => {
                tvix_store::copy::copy_closure_between(&src, &dst, &paths).await?;
            }
            (Some(src), None) => {
                let cache = binary_cache(to.unwrap_or_default(), "to", &src)?;
                tvix_store::copy::copy_closure(&*src.pathinfo, &*cache, &paths).await?;
            }
            (None, Some(dst)) => {
                let cache = binary_cache(from.unwrap_or_default(), "from", &dst)?;
                tvix_store::copy::copy_closure(&*cache, &*dst.pathinfo, &paths).await?;
            }
            (None, None) => {
                let Some(via) = &default else {
                    bail!("internal error: --store was not opened");
                };
                let src = binary_cache(from.unwrap_or_default(), "from", via)?;
                let dst = binary_cache(to.unwrap_or_default(), "to", via)?;
                tvix_store::copy::copy_closure(&*src, &*dst, &paths).await?;
            }
        }
        Ok(())
    })
}
