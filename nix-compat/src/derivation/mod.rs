//! Derivations: the `.drv` files C++ Nix writes into the store, byte for byte.
//!
//! A [`Derivation`] is what `builtins.derivation` produces: outputs, the input
//! derivations (with the output names used from each), input sources, system,
//! builder, arguments and environment. This module renders and parses its ATerm
//! form ([`Derivation::to_aterm_bytes`], [`Derivation::from_aterm_bytes`]),
//! computes C++ Nix's "hash modulo" ([`Derivation::hash_derivation_modulo`]),
//! output paths ([`Derivation::fill_output_paths`]) and the `.drv` path
//! ([`Derivation::drv_path`]), and (feature `serde`) reads and writes the JSON
//! of `nix derivation show` ([`json`]).
//!
//! Byte strings: builder, arguments, system, environment keys and values are
//! [`BString`]s, because Nix strings are bytes (`builtins.readFile` of a latin1
//! file gives a non-UTF-8 value, and C++ Nix writes it into the `.drv` as is).
//! Output names are `String`s: they end up in store path names, so they only
//! ever hold store-name characters.
//!
//! What C++ Nix 2.26 supports only with experimental features is refused with
//! an [`Unsupported`] error naming the feature: floating content-addressed
//! outputs (`ca-derivations`), impure outputs (`impure-derivations`),
//! deferred outputs (an input-addressed output without a path, which C++ only
//! makes for dependents of floating ones), text-hashed outputs and the
//! `DrvWithVersion` form (`dynamic-derivations`), `git:` hashing
//! (`git-hashing`).
//!
//! The derivation's *name* is not part of the ATerm; like C++ Nix's
//! `parseDerivation`, the functions that need it (paths, JSON) take it as an
//! argument. It is the `.drv` path's name without `.drv`.
//!
//! See `docs/src/nix-compat/derivations.md` for the format, its escaping quirks
//! and the hashing scheme.

mod hash;
#[cfg(feature = "serde")]
pub mod json;
mod parse;
mod write;

pub use bstr::{BStr, BString};
pub use hash::PathError;
pub use parse::{ParseError, SyntaxError};

use std::collections::{BTreeMap, BTreeSet};

use crate::{
    nixhash::CAHash,
    store_path::{StorePath, is_name_char},
};

/// A derivation, as C++ Nix's `Derivation` minus its name.
///
/// Maps and sets are ordered as C++ Nix orders them in the ATerm (bytewise;
/// store paths by basename), so rendering needs no sorting.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Derivation {
    /// Outputs by name.
    pub outputs: BTreeMap<String, Output>,
    /// Input derivations (`.drv` paths) and the names of the outputs used from each.
    pub input_derivations: BTreeMap<StorePath<String>, BTreeSet<String>>,
    /// Input sources: store paths the build needs that are not derivation outputs.
    pub input_sources: BTreeSet<StorePath<String>>,
    /// The platform, e.g. `x86_64-linux` (C++ Nix's `platform`).
    pub system: BString,
    /// The program to run.
    pub builder: BString,
    /// The builder's arguments, in order.
    pub arguments: Vec<BString>,
    /// The builder's environment.
    pub environment: BTreeMap<BString, BString>,
}

/// One output of a derivation.
///
/// An output is *fixed* (content-addressed with a known hash, a "fixed-output
/// derivation") when `ca` is set, and *input-addressed* otherwise. Its `path`
/// is `None` until computed: [`Derivation::fill_output_paths`] fills it in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// The output's store path.
    pub path: Option<StorePath<String>>,
    /// For a fixed output, its expected content address (`Flat` or `Nar`).
    pub ca: Option<CAHash>,
}

impl Output {
    /// An input-addressed output whose path is not computed yet.
    #[must_use]
    pub fn input_addressed() -> Self {
        Self {
            path: None,
            ca: None,
        }
    }

    /// A fixed output with content address `ca`, path not computed yet.
    #[must_use]
    pub fn fixed(ca: CAHash) -> Self {
        Self {
            path: None,
            ca: Some(ca),
        }
    }

    /// Whether this is a fixed (content-addressed) output.
    pub fn is_fixed(&self) -> bool {
        self.ca.is_some()
    }
}

/// Kinds of derivation that C++ Nix 2.26 supports only with an experimental
/// feature, and that we refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Unsupported {
    /// `DrvWithVersion(...)`: dependencies on outputs of dynamic derivations.
    #[error(
        "the 'DrvWithVersion' derivation format needs the experimental feature 'dynamic-derivations', which is not supported"
    )]
    DrvWithVersion,
    /// Dependencies on outputs of outputs (`dynamicOutputs` in JSON).
    #[error(
        "dynamic outputs of input derivations need the experimental feature 'dynamic-derivations', which is not supported"
    )]
    DynamicOutputs,
    /// An output hashed with the text method (`text:sha256`).
    #[error(
        "text-hashed outputs need the experimental feature 'dynamic-derivations', which is not supported"
    )]
    TextOutput,
    /// An output hashed as a git tree (`git:sha1`).
    #[error(
        "git-hashed outputs need the experimental feature 'git-hashing', which is not supported"
    )]
    GitHashing,
    /// A content-addressed output whose hash is unknown (`("out","","r:sha256","")`).
    #[error(
        "floating content-addressed outputs need the experimental feature 'ca-derivations', which is not supported"
    )]
    CaFloating,
    /// An impure output (`hash = "impure"`).
    #[error(
        "impure outputs need the experimental feature 'impure-derivations', which is not supported"
    )]
    Impure,
    /// An input-addressed output without a path, which C++ Nix creates only
    /// for dependents of content-addressed derivations.
    #[error(
        "deferred outputs (without a path) only arise with the experimental feature 'ca-derivations', which is not supported"
    )]
    Deferred,
}

/// Why a derivation is not one C++ Nix would accept (or could write back).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// No outputs at all.
    #[error("must have at least one output")]
    NoOutputs,
    /// An output name with a character not allowed in store path names.
    #[error("invalid output name '{0}': only [A-Za-z0-9+-._?=] are allowed")]
    InvalidOutputName(String),
    /// Fixed and input-addressed outputs together.
    #[error("can't mix derivation output types")]
    MixedOutputTypes,
    /// More than one fixed output.
    #[error("only one fixed output is allowed for now")]
    MultipleFixedOutputs,
    /// A single fixed output with another name than `out`.
    #[error("single fixed output must be named \"out\", not '{0}'")]
    FixedOutputNotOut(String),
    /// A fixed output hashed with the text method.
    #[error("output '{output}': {source}")]
    UnsupportedOutput {
        /// The output name.
        output: String,
        /// What is not supported.
        source: Unsupported,
    },
    /// An input derivation path whose name does not end in `.drv`.
    #[error("input derivation '{0}' is not a derivation (its name must end in '.drv')")]
    InputNotDerivation(String),
    /// An input derivation from which no output is used.
    #[error("input derivation '{0}' has an empty set of output names")]
    EmptyInputOutputs(String),
    /// An output name of an input derivation that no derivation can have.
    #[error("input derivation '{drv}' has invalid output name '{output}'")]
    InvalidInputOutputName {
        /// The input derivation's absolute path.
        drv: String,
        /// The output name.
        output: String,
    },
    /// Empty builder (C++ Nix: "required attribute 'builder' missing").
    #[error("required attribute 'builder' missing")]
    EmptyBuilder,
    /// Empty system (C++ Nix: "required attribute 'system' missing").
    #[error("required attribute 'system' missing")]
    EmptySystem,
    /// C++ Nix writes the system unescaped, so a `"` or `\` in it makes a
    /// `.drv` that reads back differently (or not at all).
    #[error("system '{0}' contains '\"' or '\\', which C++ Nix writes unescaped into the .drv")]
    UnrepresentableSystem(BString),
}

impl Derivation {
    /// Checks the invariants C++ Nix relies on (`BasicDerivation::type` and
    /// `derivationStrict`'s checks): at least one output; output names of
    /// store-name characters; a fixed output only as the single output `out`,
    /// with flat or NAR hashing; input derivations are `.drv` paths with a
    /// non-empty set of output names; builder and system are non-empty and the
    /// system has no `"` or `\` (C++ Nix does not escape it).
    ///
    /// Output *paths* are not checked here: they may still be unset before
    /// [`Derivation::fill_output_paths`]; [`Derivation::check_output_paths`]
    /// compares them with the computed ones.
    pub fn validate(&self) -> Result<(), ValidationError> {
        self.output_kind()?;
        for name in self.outputs.keys() {
            if !name.bytes().all(is_name_char) {
                return Err(ValidationError::InvalidOutputName(name.clone()));
            }
        }
        for (drv, outputs) in &self.input_derivations {
            if !drv.is_derivation() {
                return Err(ValidationError::InputNotDerivation(drv.to_absolute_path()));
            }
            if outputs.is_empty() {
                return Err(ValidationError::EmptyInputOutputs(drv.to_absolute_path()));
            }
            if let Some(bad) = outputs.iter().find(|o| !o.bytes().all(is_name_char)) {
                return Err(ValidationError::InvalidInputOutputName {
                    drv: drv.to_absolute_path(),
                    output: bad.clone(),
                });
            }
        }
        if self.builder.is_empty() {
            return Err(ValidationError::EmptyBuilder);
        }
        if self.system.is_empty() {
            return Err(ValidationError::EmptySystem);
        }
        if self.system.iter().any(|c| matches!(c, b'"' | b'\\')) {
            return Err(ValidationError::UnrepresentableSystem(self.system.clone()));
        }
        Ok(())
    }

    /// The fixed output, if this is a fixed-output derivation. Does not
    /// validate: a derivation mixing kinds has no fixed output here.
    pub fn fixed_output(&self) -> Option<(&Output, &CAHash)> {
        match self.outputs.iter().next() {
            Some((name, output)) if self.outputs.len() == 1 && name == "out" => {
                output.ca.as_ref().map(|ca| (output, ca))
            }
            _ => None,
        }
    }

    /// Whether this is a fixed-output derivation (a single fixed output `out`).
    pub fn is_fixed_output(&self) -> bool {
        self.fixed_output().is_some()
    }

    /// The kind of derivation, as C++ Nix's `BasicDerivation::type`.
    fn output_kind(&self) -> Result<OutputKind, ValidationError> {
        let mut fixed = 0usize;
        for (name, output) in &self.outputs {
            match &output.ca {
                Some(CAHash::Text(_)) => {
                    return Err(ValidationError::UnsupportedOutput {
                        output: name.clone(),
                        source: Unsupported::TextOutput,
                    });
                }
                Some(_) => fixed += 1,
                None => {}
            }
        }
        match (fixed, self.outputs.len()) {
            (_, 0) => Err(ValidationError::NoOutputs),
            (0, _) => Ok(OutputKind::InputAddressed),
            (f, n) if f != n => Err(ValidationError::MixedOutputTypes),
            (1, _) => match self.outputs.keys().next() {
                Some(name) if name == "out" => Ok(OutputKind::Fixed),
                Some(name) => Err(ValidationError::FixedOutputNotOut(name.clone())),
                None => Err(ValidationError::NoOutputs),
            },
            _ => Err(ValidationError::MultipleFixedOutputs),
        }
    }
}

/// What [`Derivation::output_kind`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OutputKind {
    InputAddressed,
    Fixed,
}

#[cfg(test)]
mod tests;
