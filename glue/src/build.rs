//! The import-from-derivation hook: when evaluation reads a store path that
//! is an output of a derivation instantiated in this evaluation and the
//! store does not have it, the output must be built first. Glue asks a
//! [`BuildService`] for it; builders come with `tvix-build`. Without one,
//! the read fails with a clear error naming the output.

use nix_compat::{derivation::Derivation, store_path::StorePath};

/// Builds derivation outputs on demand during evaluation.
pub trait BuildService {
    /// Builds `output` of the derivation `drv` (stored at `drv_path`, its
    /// `.drv` closure already written into the store) and makes the output
    /// present in the store, or says why it could not.
    fn build(
        &self,
        drv_path: &StorePath<String>,
        drv: &Derivation,
        output: &str,
    ) -> Result<(), BuildError>;
}

/// Why an output could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// No build service is configured.
    #[error(
        "cannot build '{0}' during evaluation: no build service is configured (import from derivation needs a builder)"
    )]
    NoBuilder(String),
    /// The build failed.
    #[error("build of '{0}' failed: {1}")]
    Failed(String, String),
}
