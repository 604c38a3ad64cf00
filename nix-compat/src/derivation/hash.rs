//! Hash modulo, output paths and `.drv` paths, as C++ Nix 2.26 computes them
//! (`hashDerivationModulo`, `derivationStrict`, `writeDerivation`).
//!
//! - The *hash modulo* of a fixed-output derivation is
//!   `sha256("fixed:out:<[r:]algo>:<hex digest>:<output path>")`: it depends
//!   only on the output, so changing how a fixed output is fetched changes no
//!   dependent's hash. For any other derivation it is the SHA-256 of its ATerm
//!   in which each input derivation path is replaced by the lowercase hex of
//!   that input's own hash modulo (re-sorted; inputs with equal hashes merge).
//!   The inputs' hashes come from a caller-supplied lookup, so callers memoise
//!   them; it is never called for fixed-output derivations.
//! - An input-addressed output's path is `build_output_path` of the hash
//!   modulo of the derivation *with its own output paths masked*: output
//!   paths and the environment variables named after outputs written as `""`.
//!   A fixed output's path is its content-addressed path.
//! - The `.drv` path is the text path of `<name>.drv` with the ATerm as content
//!   and the input sources and input derivations as references.

use std::{borrow::Cow, collections::BTreeMap};

use sha2::{Digest, Sha256};

use super::{
    Derivation, OutputKind, ValidationError,
    write::{self, HashSink, Inputs},
};
use crate::{
    nixhash::CAHash,
    store_path::{BuildStorePathError, StorePath, build_ca_path, build_output_path},
};

/// Why a hash or path of a derivation could not be computed or is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PathError {
    /// The derivation's outputs are not a valid combination.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The lookup knows no hash modulo for an input derivation.
    #[error("no hash modulo known for input derivation '{0}'")]
    UnknownInputDerivation(String),
    /// An output's path is needed but not set.
    #[error("output '{0}' has no path yet")]
    MissingOutputPath(String),
    /// An output path cannot be built (e.g. the name gets too long).
    #[error("cannot compute the path of output '{output}'")]
    OutputPath {
        /// The output name.
        output: String,
        /// Why.
        #[source]
        source: BuildStorePathError,
    },
    /// The `.drv` path cannot be built (e.g. an invalid name).
    #[error("cannot compute the derivation's path")]
    DrvPath(#[source] BuildStorePathError),
    /// An output's path differs from the computed one.
    #[error("derivation has incorrect output '{actual}', should be '{expected}'")]
    WrongOutputPath {
        /// The path set in the derivation (empty if none).
        actual: String,
        /// The computed path.
        expected: String,
    },
    /// The environment variable named after an output is not its path.
    #[error("derivation has incorrect environment variable '{output}', should be '{expected}'")]
    WrongEnvironment {
        /// The output (and variable) name.
        output: String,
        /// The output's path.
        expected: String,
    },
}

impl Derivation {
    /// C++ Nix's `hashDerivationModulo` (unmasked): the hash that stands for
    /// this derivation in its dependents' hashes, and that `lookup` returns for
    /// input derivations. `lookup` is not called for a fixed-output derivation.
    ///
    /// Every output must have its path (fill them with
    /// [`Derivation::fill_output_paths`] first).
    pub fn hash_derivation_modulo(
        &self,
        lookup: impl FnMut(&StorePath<String>) -> Option<[u8; 32]>,
    ) -> Result<[u8; 32], PathError> {
        if let Some(name) = self
            .outputs
            .iter()
            .find_map(|(name, o)| o.path.is_none().then_some(name))
        {
            return Err(PathError::MissingOutputPath(name.clone()));
        }
        match self.output_kind()? {
            OutputKind::Fixed => self.fixed_hash(),
            OutputKind::InputAddressed => self.hash_modulo_inner(false, lookup),
        }
    }

    /// `sha256("fixed:out:<[r:]algo>:<hex>:<path>")` of the single fixed output.
    fn fixed_hash(&self) -> Result<[u8; 32], PathError> {
        let (output, ca) = self
            .fixed_output()
            .ok_or(PathError::Invalid(ValidationError::MixedOutputTypes))?;
        let path = output
            .path
            .as_ref()
            .ok_or_else(|| PathError::MissingOutputPath("out".to_owned()))?;
        let mut hasher = Sha256::new();
        hasher.update(b"fixed:out:");
        hasher.update(ca.method().prefix().as_bytes());
        hasher.update(ca.algo().as_str().as_bytes());
        hasher.update(b":");
        let mut hex = [0u8; 128];
        let hex = &mut hex[..ca.digest().len() * 2];
        data_encoding::HEXLOWER.encode_mut(ca.digest(), hex);
        hasher.update(&*hex);
        hasher.update(b":");
        let mut path_bytes = Vec::with_capacity(128);
        write::put_path(&mut path_bytes, path);
        hasher.update(&path_bytes);
        Ok(hasher.finalize().into())
    }

    /// The ATerm hash with input derivations replaced by their hashes.
    fn hash_modulo_inner(
        &self,
        mask_outputs: bool,
        mut lookup: impl FnMut(&StorePath<String>) -> Option<[u8; 32]>,
    ) -> Result<[u8; 32], PathError> {
        let mut inputs: Vec<([u8; 64], Cow<'_, _>)> =
            Vec::with_capacity(self.input_derivations.len());
        for (path, outputs) in &self.input_derivations {
            let hash = lookup(path)
                .ok_or_else(|| PathError::UnknownInputDerivation(path.to_absolute_path()))?;
            let mut hex = [0u8; 64];
            data_encoding::HEXLOWER.encode_mut(&hash, &mut hex);
            inputs.push((hex, Cow::Borrowed(outputs)));
        }
        inputs.sort_unstable_by_key(|(hex, _)| *hex);
        // Two inputs with the same hash (two fixed-output derivations with the
        // same output) become one entry with the union of their output names.
        inputs.dedup_by(|later, kept| {
            if later.0 != kept.0 {
                return false;
            }
            kept.1.to_mut().extend(later.1.iter().cloned());
            true
        });
        let mut sink = HashSink::new();
        write::write(self, &mut sink, mask_outputs, &Inputs::Hashes(&inputs));
        Ok(sink.finish())
    }

    /// Computes the output paths as `derivationStrict` does: a fixed output
    /// gets its content-addressed path; input-addressed outputs get paths from
    /// the hash modulo of this derivation with its output paths and the
    /// environment variables named after outputs masked (so their current
    /// values do not matter, and missing ones count as present and empty, as
    /// `derivationStrict` always sets them). `lookup` gives the inputs' hash
    /// modulo.
    pub fn calculate_output_paths(
        &self,
        name: &str,
        lookup: impl FnMut(&StorePath<String>) -> Option<[u8; 32]>,
    ) -> Result<BTreeMap<String, StorePath<String>>, PathError> {
        match self.output_kind()? {
            OutputKind::Fixed => {
                let (_, ca) = self
                    .fixed_output()
                    .ok_or(PathError::Invalid(ValidationError::MixedOutputTypes))?;
                let path = fixed_output_path(name, ca)?;
                Ok(BTreeMap::from([("out".to_owned(), path)]))
            }
            OutputKind::InputAddressed => {
                // derivationStrict always has an environment variable per
                // output (blank while hashing); add any that are missing.
                let blanked;
                let drv = if self
                    .outputs
                    .keys()
                    .all(|o| self.environment.contains_key(o.as_bytes()))
                {
                    self
                } else {
                    let mut copy = self.clone();
                    for o in self.outputs.keys() {
                        copy.environment.entry(o.as_str().into()).or_default();
                    }
                    blanked = copy;
                    &blanked
                };
                let hash = drv.hash_modulo_inner(true, lookup)?;
                self.outputs
                    .keys()
                    .map(|output| {
                        build_output_path(&hash, output, name)
                            .map(|path| (output.clone(), path))
                            .map_err(|source| PathError::OutputPath {
                                output: output.clone(),
                                source,
                            })
                    })
                    .collect()
            }
        }
    }

    /// Computes the output paths (see [`Derivation::calculate_output_paths`])
    /// and writes them into the outputs and into the environment variables
    /// named after the outputs, as `derivationStrict` does. This is the step
    /// between building a derivation from attributes and writing it.
    pub fn fill_output_paths(
        &mut self,
        name: &str,
        lookup: impl FnMut(&StorePath<String>) -> Option<[u8; 32]>,
    ) -> Result<(), PathError> {
        let paths = self.calculate_output_paths(name, lookup)?;
        for (output, path) in paths {
            self.environment
                .insert(output.clone().into(), path.to_absolute_path().into());
            if let Some(o) = self.outputs.get_mut(&output) {
                o.path = Some(path);
            }
        }
        Ok(())
    }

    /// Checks that every output's path, and the environment variable named
    /// after it, are the computed ones (C++ Nix's `checkInvariants`).
    pub fn check_output_paths(
        &self,
        name: &str,
        lookup: impl FnMut(&StorePath<String>) -> Option<[u8; 32]>,
    ) -> Result<(), PathError> {
        let paths = self.calculate_output_paths(name, lookup)?;
        for (output, expected) in paths {
            let expected_str = expected.to_absolute_path();
            let actual = self.outputs.get(&output).and_then(|o| o.path.as_ref());
            if actual != Some(&expected) {
                return Err(PathError::WrongOutputPath {
                    actual: actual.map(|p| p.to_absolute_path()).unwrap_or_default(),
                    expected: expected_str,
                });
            }
            if self
                .environment
                .get(output.as_bytes())
                .map(|v| v.as_slice())
                != Some(expected_str.as_bytes())
            {
                return Err(PathError::WrongEnvironment {
                    output,
                    expected: expected_str,
                });
            }
        }
        Ok(())
    }

    /// The `.drv` store path: the text path of `<name>.drv` with the ATerm as
    /// contents and the input sources and derivations as references.
    pub fn drv_path(&self, name: &str) -> Result<StorePath<String>, PathError> {
        let mut sink = HashSink::new();
        write::write(self, &mut sink, false, &Inputs::Paths);
        self.drv_path_from_digest(name, sink.finish())
    }

    /// The ATerm text and the `.drv` path, rendering once (for writing the
    /// file into a store).
    pub fn drv_path_and_aterm(
        &self,
        name: &str,
    ) -> Result<(StorePath<String>, Vec<u8>), PathError> {
        let aterm = self.to_aterm_bytes();
        let path = self.drv_path_from_digest(name, Sha256::digest(&aterm).into())?;
        Ok((path, aterm))
    }

    fn drv_path_from_digest(
        &self,
        name: &str,
        digest: [u8; 32],
    ) -> Result<StorePath<String>, PathError> {
        let references = self
            .input_sources
            .iter()
            .chain(self.input_derivations.keys())
            .map(|p| p.as_ref());
        build_ca_path(
            &format!("{name}.drv"),
            &CAHash::Text(digest),
            references,
            false,
        )
        .map_err(PathError::DrvPath)
    }
}

/// The path of a fixed output named `out` of derivation `name`.
fn fixed_output_path(name: &str, ca: &CAHash) -> Result<StorePath<String>, PathError> {
    build_ca_path(name, ca, std::iter::empty(), false).map_err(|source| PathError::OutputPath {
        output: "out".to_owned(),
        source,
    })
}
