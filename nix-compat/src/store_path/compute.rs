//! Computing store paths from contents, as C++ Nix's `makeStorePath` family.
//!
//! Every path is `compress_hash::<20>(sha256(fingerprint))` followed by the name,
//! where the fingerprint is `<type>:sha256:<hex inner digest>:/nix/store:<name>`:
//!
//! | what | type | inner digest |
//! |---|---|---|
//! | text (`toFile`, `.drv`) | `text` + `:<ref>`… | sha256 of the contents |
//! | source (NAR + sha256, `nix-store --add`) | `source` + `:<ref>`… + `:self`? | sha256 of the NAR |
//! | any other fixed output | `output:out` | sha256 of `fixed:out:[r:]<algo>:<hex>:` |
//! | input-addressed output | `output:<out>` | the derivation's hash modulo |
//!
//! References are absolute store paths in sorted order.

use sha2::{Digest, Sha256};

use super::{NameError, STORE_DIR, StorePath, StorePathRef};
use crate::nixhash::{CAHash, NixHash};

/// Why a store path could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildStorePathError {
    /// The resulting name is invalid.
    #[error("invalid store path name: {0}")]
    InvalidName(#[from] NameError),
    /// References (or a self reference) are not allowed for this kind of path.
    #[error(
        "fixed output derivation '{0}' is not allowed to refer to other store paths.\nYou may need to use the 'unsafeDiscardReferences' derivation attribute, see the manual for more details."
    )]
    ReferencesNotAllowed(String),
}

/// XOR-folds `input` into `N` bytes: output byte `i % N` ^= input byte `i`.
pub fn compress_hash<const N: usize>(input: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    for (i, b) in input.iter().enumerate() {
        out[i % N] ^= b;
    }
    out
}

/// Builds the path for a fingerprint `<ty>:sha256:<hex inner>:/nix/store:<name>`.
fn build_from_fingerprint(
    ty: &str,
    inner: &[u8; 32],
    name: &str,
) -> Result<StorePath<String>, BuildStorePathError> {
    super::validate_name(name.as_bytes())?;
    let mut hasher = Sha256::new();
    hasher.update(ty.as_bytes());
    hasher.update(b":sha256:");
    hasher.update(data_encoding::HEXLOWER.encode(inner).as_bytes());
    hasher.update(b":");
    hasher.update(STORE_DIR.as_bytes());
    hasher.update(b":");
    hasher.update(name.as_bytes());
    let digest: [u8; 32] = hasher.finalize().into();
    Ok(StorePath::from_name_and_digest(
        name,
        compress_hash(&digest),
    )?)
}

/// Appends `:<absolute path>` for each reference, in sorted order.
fn push_references<'a>(ty: &mut String, references: impl IntoIterator<Item = StorePathRef<'a>>) {
    let mut refs: Vec<StorePathRef<'a>> = references.into_iter().collect();
    refs.sort();
    refs.dedup();
    for r in refs {
        ty.push(':');
        ty.push_str(&r.to_absolute_path());
    }
}

/// The path of a text file with the given contents and references, as
/// `builtins.toFile` and `.drv` files get.
pub fn build_text_path<'a>(
    name: &str,
    content: impl AsRef<[u8]>,
    references: impl IntoIterator<Item = StorePathRef<'a>>,
) -> Result<StorePath<String>, BuildStorePathError> {
    let inner: [u8; 32] = Sha256::digest(content.as_ref()).into();
    let mut ty = String::from("text");
    push_references(&mut ty, references);
    build_from_fingerprint(&ty, &inner, name)
}

/// The path of a content-addressed store object, as C++ Nix's
/// `makeFixedOutputPathFromCA`.
///
/// Only `Text` and `Nar` with SHA-256 accept references, and only the latter a
/// self reference; any other combination is an error.
pub fn build_ca_path<'a>(
    name: &str,
    ca: &CAHash,
    references: impl IntoIterator<Item = StorePathRef<'a>>,
    self_reference: bool,
) -> Result<StorePath<String>, BuildStorePathError> {
    let mut references = references.into_iter().peekable();
    match ca {
        CAHash::Text(digest) => {
            if self_reference {
                return Err(BuildStorePathError::ReferencesNotAllowed(name.to_owned()));
            }
            let mut ty = String::from("text");
            push_references(&mut ty, references);
            build_from_fingerprint(&ty, digest, name)
        }
        CAHash::Nar(NixHash::Sha256(digest)) => {
            let mut ty = String::from("source");
            push_references(&mut ty, references);
            if self_reference {
                ty.push_str(":self");
            }
            build_from_fingerprint(&ty, digest, name)
        }
        CAHash::Flat(hash) | CAHash::Nar(hash) => {
            if self_reference || references.peek().is_some() {
                return Err(BuildStorePathError::ReferencesNotAllowed(name.to_owned()));
            }
            let inner: [u8; 32] = Sha256::digest(
                format!(
                    "fixed:out:{}{}:{}:",
                    ca.method().prefix(),
                    hash.algo(),
                    hash.to_base16()
                )
                .as_bytes(),
            )
            .into();
            build_from_fingerprint("output:out", &inner, name)
        }
    }
}

/// The path of an input-addressed derivation output: type `output:<output>`,
/// inner digest the derivation's hash modulo, name `name` for `out` and
/// `name-<output>` otherwise.
pub fn build_output_path(
    drv_hash: &[u8; 32],
    output_name: &str,
    drv_name: &str,
) -> Result<StorePath<String>, BuildStorePathError> {
    let name = output_path_name(drv_name, output_name);
    build_from_fingerprint(&format!("output:{output_name}"), drv_hash, &name)
}

/// `name` for the `out` output, `name-<output>` for the others.
pub fn output_path_name(drv_name: &str, output_name: &str) -> String {
    if output_name == "out" {
        drv_name.to_owned()
    } else {
        format!("{drv_name}-{output_name}")
    }
}

/// The placeholder string for an output, `/` + nix32(sha256("nix-output:<out>")),
/// which builders see replaced by the output's path.
pub fn hash_placeholder(output_name: &str) -> String {
    let digest = Sha256::digest(format!("nix-output:{output_name}").as_bytes());
    format!("/{}", crate::nixbase32::encode(&digest))
}
