//! tvix-glue: the builtins that touch the store, added to a `tvix-eval`
//! evaluation through `EvaluationBuilder::add_builtin`, and `EvalIO` over a
//! `tvix-store`.
//!
//! - [`Glue`]: the state one evaluation shares between its I/O and its store
//!   builtins: the store ([`GlueStore`], opened on first use), the
//!   [`KnownPaths`] (derivations instantiated so far), the cache of local
//!   paths already copied into the store, and the optional [`BuildService`]
//!   for import from derivation.
//! - [`Glue::io`]: an `EvalIO` serving store paths from the PathInfo service
//!   and castore, other paths from the local filesystem, and copying paths
//!   into the store when they are coerced to strings (`"${./file}"`).
//! - [`Glue::builtins`]: `derivationStrict`/`derivation` ([`derivation`]),
//!   `path`, `filterSource`, `toFile`, `storePath`, `placeholder`,
//!   `fetchurl`, `fetchTarball`, `fetchGit`, `fetchMercurial`, `fetchTree`
//!   (file, tarball, path, git, hg).
//! - [`Glue::write_drv_closure`]: writes the `.drv` files of instantiated
//!   derivations (and their input derivations) into the store.

use std::{
    cell::{Ref, RefCell},
    collections::HashMap,
    rc::Rc,
};

use nix_compat::{derivation::Derivation, store_path::StorePath};
use tvix_eval::{Builtin, EvalIO};

mod build;
mod builtins;
pub mod derivation;
mod fetch;
mod flake;
mod git;
mod hg;
mod import;
pub mod instantiate;
mod io;
mod known_paths;
mod store;

pub use build::{BuildError, BuildService};
pub use fetch::FetchError;
pub use known_paths::{KnownDrv, KnownPaths};
pub use store::{GlueStore, StoreError, TextFile};

/// The store directory paths are computed for (C++ Nix's default).
pub const STORE_DIR: &str = "/nix/store";

/// What an evaluation's store builtins and I/O share.
pub struct Glue {
    store: GlueStore,
    known: Rc<RefCell<KnownPaths>>,
    /// Local paths already copied (C++ Nix's `srcToStore`).
    copied: RefCell<HashMap<Vec<u8>, StorePath<String>>>,
    builder: Option<Box<dyn BuildService>>,
    fetched: fetch::Fetched,
    /// Where downloads are remembered across evaluations (none: only
    /// within this one).
    fetch_cache: RefCell<Option<std::path::PathBuf>>,
    /// C++ Nix's `flake-registry` setting: the global flake registry's path
    /// or URL, or empty for none.
    flake_registry: RefCell<String>,
    /// The flake registries' JSON texts once read: C++ Nix reads (and
    /// downloads) them once per process, with its warnings printed once.
    flake_registries: RefCell<Option<Vec<Vec<u8>>>>,
}

/// C++ Nix's default `flake-registry`.
pub const DEFAULT_FLAKE_REGISTRY: &str = "https://channels.nixos.org/flake-registry.json";

impl Glue {
    /// Glue over a store, with no build service.
    #[must_use]
    pub fn new(store: GlueStore) -> Rc<Glue> {
        Self::with(store, None)
    }

    /// Glue over a store with a build service for import from derivation.
    #[must_use]
    pub fn with_builder(store: GlueStore, builder: Box<dyn BuildService>) -> Rc<Glue> {
        Self::with(store, Some(builder))
    }

    fn with(store: GlueStore, builder: Option<Box<dyn BuildService>>) -> Rc<Glue> {
        Rc::new(Glue {
            store,
            known: Rc::default(),
            copied: RefCell::default(),
            builder,
            fetched: fetch::Fetched::default(),
            fetch_cache: RefCell::default(),
            flake_registry: RefCell::new(DEFAULT_FLAKE_REGISTRY.to_owned()),
            flake_registries: RefCell::default(),
        })
    }

    /// Remember downloads in `dir` so that later evaluations reuse them for
    /// an hour (C++ Nix's `tarball-ttl`) when their path is still in the
    /// store.
    pub fn set_fetch_cache(&self, dir: std::path::PathBuf) {
        *self.fetch_cache.borrow_mut() = Some(dir);
    }

    /// Sets the global flake registry (C++ Nix's `flake-registry`): a path,
    /// a URL, or `""` for none. The registries are read again at the next
    /// lookup.
    pub fn set_flake_registry(&self, location: &str) {
        *self.flake_registry.borrow_mut() = location.to_owned();
        *self.flake_registries.borrow_mut() = None;
    }

    /// The store.
    #[must_use]
    pub fn store(&self) -> &GlueStore {
        &self.store
    }

    /// The derivations instantiated so far.
    #[must_use]
    pub fn known(&self) -> Ref<'_, KnownPaths> {
        self.known.borrow()
    }

    /// The `EvalIO` over this store, to pass to `EvaluationBuilder::io`.
    #[must_use]
    pub fn io(self: &Rc<Self>) -> Box<dyn EvalIO> {
        Box::new(io::StoreIO::new(self.clone()))
    }

    /// The store builtins, to pass to `EvaluationBuilder::add_builtin` of
    /// one evaluation (they keep values of that evaluator's: call again for
    /// another).
    #[must_use]
    pub fn builtins(self: &Rc<Self>) -> Vec<Builtin> {
        let glue = Rc::downgrade(self);
        let refs: derivation::References = Rc::new(move |p: &StorePath<String>| {
            glue.upgrade()
                .and_then(|g| g.store.path_info(p).ok().flatten())
                .map(|info| info.references)
                .unwrap_or_default()
        });
        let mut all = derivation::builtins_with(self.known.clone(), refs);
        all.extend(builtins::store_builtins(self));
        all.extend(fetch::fetch_builtins(self));
        let flake_code = Rc::default();
        all.extend(git::git_builtins(self, &flake_code));
        all.extend(hg::hg_builtins(self));
        all.extend(flake::flake_builtins(self, &flake_code));
        all
    }

    /// Writes the `.drv` files of `roots` and of every instantiated
    /// derivation they depend on into the store (dependencies first), as
    /// `nix-instantiate` does. Roots that are not instantiated derivations
    /// are ignored.
    pub fn write_drv_closure<'a>(
        &self,
        roots: impl IntoIterator<Item = &'a StorePath<String>>,
    ) -> Result<(), StoreError> {
        let known = self.known.borrow();
        let closure = known.closure(roots);
        // Written in layers: a derivation's layer is one more than its
        // input derivations', so every layer only refers to earlier ones
        // and its files can be written concurrently.
        let mut layer_of: HashMap<&StorePath<String>, usize> = HashMap::new();
        let mut layers: Vec<Vec<TextFile>> = Vec::new();
        for (path, k) in closure {
            let layer = k
                .drv
                .input_derivations
                .keys()
                .filter_map(|d| layer_of.get(d))
                .map(|l| l + 1)
                .max()
                .unwrap_or(0);
            layer_of.insert(path, layer);
            let name = path
                .name_str()
                .strip_suffix(".drv")
                .unwrap_or(path.name_str());
            let aterm = k.drv.to_aterm_bytes();
            let refs: Vec<StorePath<String>> = k
                .drv
                .input_sources
                .iter()
                .chain(k.drv.input_derivations.keys())
                .cloned()
                .collect();
            if layers.len() <= layer {
                layers.resize_with(layer + 1, Vec::new);
            }
            layers[layer].push(TextFile {
                name: format!("{name}.drv"),
                contents: aterm,
                references: refs,
            });
        }
        for layer in &layers {
            self.store.add_texts(layer, 64)?;
        }
        Ok(())
    }
}

impl Glue {
    /// The derivation at `path`: instantiated in this evaluation, else read
    /// from the store (or, for paths the store lacks, the local filesystem).
    pub fn read_derivation(
        self: &Rc<Self>,
        path: &StorePath<String>,
    ) -> Result<Derivation, StoreError> {
        if let Some(k) = self.known().get(path) {
            return Ok(k.drv.clone());
        }
        let abs = path.to_absolute_path();
        let bytes = self
            .io()
            .read_file(abs.as_bytes())
            .map_err(|source| StoreError::Read {
                path: abs.clone(),
                source,
            })?;
        Derivation::from_aterm_bytes(&bytes).map_err(|e| StoreError::InvalidDerivation {
            path: abs,
            reason: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests;
