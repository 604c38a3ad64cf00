//! Copying store paths with their closure from one [`PathInfoService`] to
//! another, as `nix copy` does: the closure is read from the source, then
//! written to the destination references first, skipping paths it has.
//!
//! [`copy_closure`] moves only PathInfos: both services must share the
//! castore store the nodes live in (a binary cache built over the same store,
//! for example, which renders or ingests NARs itself).
//! [`copy_closure_between`] copies between two stores with their own castore
//! stores: for each path, its tree ([`tvix_castore::copy::copy_tree`]: blobs,
//! then directories) and only then its PathInfo, so an interrupted copy never
//! leaves a PathInfo whose contents are missing.

use std::collections::{HashMap, HashSet};

use nix_compat::store_path::StorePath;
use tracing::Instrument;
use tvix_tracing::{ProgressSpanExt, ProgressStyle};

use tvix_castore::Store;

use crate::{PathInfo, PathInfoError, PathInfoService, StorePathHash, composition::Services};

/// Why a copy failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CopyError {
    /// A path (or a path in the closure) is not in the source.
    #[error("path '{0}' is not valid in the source")]
    NotValid(String),
    /// Reading from the source failed.
    #[error("reading {path} from the source")]
    Source {
        /// The path.
        path: String,
        /// Why.
        #[source]
        source: PathInfoError,
    },
    /// Writing to the destination failed.
    #[error("writing {path} to the destination")]
    Destination {
        /// The path.
        path: String,
        /// Why.
        #[source]
        source: PathInfoError,
    },
    /// Copying a path's contents (blobs and directories) failed.
    #[error("copying the contents of {path}")]
    Tree {
        /// The path.
        path: String,
        /// Why.
        #[source]
        source: tvix_castore::copy::CopyError,
    },
}

/// The PathInfos of the closure of `paths` in `src`, references before the
/// paths referring to them.
pub async fn closure(
    src: &dyn PathInfoService,
    paths: &[StorePath<String>],
) -> Result<Vec<PathInfo>, CopyError> {
    let mut infos: HashMap<StorePathHash, PathInfo> = HashMap::new();
    let mut todo: Vec<StorePath<String>> = paths.to_vec();
    while let Some(p) = todo.pop() {
        let hash = StorePathHash::of(&p);
        if infos.contains_key(&hash) {
            continue;
        }
        let info = src
            .get(&hash)
            .await
            .map_err(|source| CopyError::Source {
                path: p.to_absolute_path(),
                source,
            })?
            .filter(|i| i.store_path == p)
            .ok_or_else(|| CopyError::NotValid(p.to_absolute_path()))?;
        todo.extend(info.references.iter().cloned());
        infos.insert(hash, info);
    }
    // Depth-first post-order over references, from the requested paths.
    let mut order = Vec::with_capacity(infos.len());
    let mut done: HashSet<StorePathHash> = HashSet::new();
    let mut stack: Vec<(StorePathHash, bool)> = paths
        .iter()
        .rev()
        .map(|p| (StorePathHash::of(p), false))
        .collect();
    while let Some((h, expanded)) = stack.pop() {
        if done.contains(&h) {
            continue;
        }
        let Some(info) = infos.get(&h) else { continue };
        if expanded {
            done.insert(h);
            order.push(info.clone());
        } else {
            stack.push((h, true));
            for r in info.references.iter().rev() {
                let rh = StorePathHash::of(r);
                // A self-reference needs no ordering.
                if rh != h && !done.contains(&rh) {
                    stack.push((rh, false));
                }
            }
        }
    }
    Ok(order)
}

/// Copies the closure of `paths` from `src` to `dst`; returns the paths
/// copied (those `dst` did not have). Progress: a bar of NAR bytes over the
/// paths to copy, with the count of paths as its message.
pub async fn copy_closure(
    src: &dyn PathInfoService,
    dst: &dyn PathInfoService,
    paths: &[StorePath<String>],
) -> Result<Vec<StorePath<String>>, CopyError> {
    copy(src, dst, None, paths).await
}

/// Copies the closure of `paths` from the store `src` to the store `dst`,
/// contents included: for each path `dst` lacks, references first, its tree
/// (blobs `dst` lacks, then directories), then its PathInfo. Returns the paths
/// copied; progress as [`copy_closure`].
pub async fn copy_closure_between(
    src: &Services,
    dst: &Services,
    paths: &[StorePath<String>],
) -> Result<Vec<StorePath<String>>, CopyError> {
    copy(
        &*src.pathinfo,
        &*dst.pathinfo,
        Some((&src.store, &dst.store)),
        paths,
    )
    .await
}

async fn copy(
    src: &dyn PathInfoService,
    dst: &dyn PathInfoService,
    trees: Option<(&Store, &Store)>,
    paths: &[StorePath<String>],
) -> Result<Vec<StorePath<String>>, CopyError> {
    let span = tvix_tracing::progress_span!("copy", paths = paths.len());
    async {
        let infos = closure(src, paths).await?;
        let mut todo = Vec::new();
        for info in infos {
            let have = dst
                .has(&info.hash())
                .await
                .map_err(|source| CopyError::Destination {
                    path: info.store_path.to_absolute_path(),
                    source,
                })?;
            if !have {
                todo.push(info);
            }
        }
        let span = tracing::Span::current();
        span.progress_set_style(ProgressStyle::Bytes);
        span.progress_set_length(todo.iter().map(|i| i.nar_size).sum());
        let total = todo.len();
        let mut copied = Vec::with_capacity(total);
        for info in todo {
            span.progress_set_message(&format!("{}/{total} paths", copied.len()));
            let nar_size = info.nar_size;
            let sp = info.store_path.clone();
            if let Some((src_store, dst_store)) = trees {
                let stats = tvix_castore::copy::copy_tree(src_store, dst_store, &info.node)
                    .await
                    .map_err(|source| CopyError::Tree {
                        path: sp.to_absolute_path(),
                        source,
                    })?;
                tracing::debug!(path = %sp, blobs = stats.blobs, blob_bytes = stats.blob_bytes, directories = stats.directories, "copied contents");
            }
            dst.put(info)
                .await
                .map_err(|source| CopyError::Destination {
                    path: sp.to_absolute_path(),
                    source,
                })?;
            copied.push(sp);
            span.progress_inc(nar_size);
        }
        Ok(copied)
    }
    .instrument(span)
    .await
}

#[cfg(test)]
mod tests;
