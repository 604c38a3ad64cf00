//! The evaluation the `tvix` command and its REPL share: tvix-eval with
//! tvix-glue's store builtins and store-backed I/O over the `--store`.

use std::path::PathBuf;

use anyhow::Context as _;
use tvix_eval::EvaluationBuilder;
use tvix_glue::{Glue, GlueStore};

use crate::store_arg::store_arg;

/// What keeps an evaluation's store alive: the runtime the glue's store
/// runs on.
pub struct EvalStore {
    _rt: tokio::runtime::Runtime,
}

/// Adds the glue (store I/O and store builtins) to the evaluator of
/// `tvix --eval` and the REPL: paths are copied into the store `store` names (opened only
/// when first needed), as C++ Nix copies them under `--eval` too;
/// `flake_registry` is the `flake-registry` setting (default: C++ Nix's).
pub fn with_glue(
    mut builder: EvaluationBuilder,
    store: Option<String>,
    flake_registry: Option<&str>,
) -> anyhow::Result<(EvaluationBuilder, EvalStore)> {
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let glue = Glue::new(GlueStore::from_arg(store_arg(store)?, rt.handle().clone()));
    if let Some(dir) = fetch_cache_dir() {
        glue.set_fetch_cache(dir);
    }
    if let Some(r) = flake_registry {
        glue.set_flake_registry(r);
    }
    builder = builder.io(glue.io());
    for b in glue.builtins() {
        builder = builder.add_builtin(b);
    }
    Ok((builder, EvalStore { _rt: rt }))
}

/// `$XDG_CACHE_HOME/tvix/fetchers` (or `~/.cache/tvix/fetchers`).
pub fn fetch_cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".cache"))
        })?;
    Some(base.join("tvix/fetchers"))
}
