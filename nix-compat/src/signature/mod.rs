//! Ed25519 signatures and keys in Nix's text forms, as C++ Nix 2.26's
//! `libutil/signature` (`SecretKey`, `PublicKey`, `verifyDetached`).
//!
//! Every key and signature is written `<name>:<base64 payload>`:
//!
//! | what | payload | produced by |
//! |---|---|---|
//! | [`SecretKey`] | 64 bytes: the 32-byte seed, then the 32-byte public key | `nix key generate-secret --key-name N` |
//! | [`PublicKey`] | 32 bytes | `nix key convert-secret-to-public` |
//! | [`Signature`] | 64 bytes (RFC 8032 Ed25519, hence deterministic) | `nix store sign`, binary caches' `Sig:` lines |
//!
//! The text is split at the *first* `:`. A key's name and payload must be
//! non-empty; C++ Nix checks nothing else about the name, nor do we when parsing.
//! Payloads are decoded like C++ Nix's `base64Decode`: decoding stops at the
//! first `=`, newlines are skipped (so key files may end in `\n`), and any other
//! character outside the alphabet is an error.
//!
//! Verification ([`PublicKey::verify`], [`TrustedKeys::verify`]) follows
//! `verifyDetached`: a signature whose key name is unknown (or that has no name)
//! is simply not valid, but one naming a trusted key whose payload is not 64
//! bytes is an *error*, as in C++ Nix. The check itself is libsodium's
//! `crypto_sign_verify_detached`: canonical `S`, no small-order `R` or public
//! key, a canonically encoded public key, and the cofactorless equation.

mod keys;

pub use keys::{PUBLIC_KEY_LENGTH, PublicKey, SECRET_KEY_LENGTH, SecretKey, TrustedKeys};

use std::fmt;

use crate::nixhash::decode_base64_lenient;

/// Length of an Ed25519 signature in bytes.
pub const SIGNATURE_LENGTH: usize = 64;

/// Why a key or signature could not be parsed, made or checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No `:`, nothing before it, or nothing after it (C++: "key is corrupt").
    #[error("key is corrupt: expected '<name>:<base64>'")]
    CorruptKey,
    /// A character outside the base64 alphabet in a key's payload.
    #[error(
        "invalid character in Base64 string: '{character}' (while decoding key named '{name}')"
    )]
    KeyBase64 {
        /// The key's name.
        name: String,
        /// The offending character, lossily decoded.
        character: char,
    },
    /// A secret key whose payload is not 64 bytes.
    #[error("secret key '{name}' is not valid: expected 64 bytes, got {len}")]
    SecretKeyLength {
        /// The key's name.
        name: String,
        /// The decoded length.
        len: usize,
    },
    /// A public key whose payload is not 32 bytes.
    #[error("public key '{name}' is not valid: expected 32 bytes, got {len}")]
    PublicKeyLength {
        /// The key's name.
        name: String,
        /// The decoded length.
        len: usize,
    },
    /// A secret key whose second half is not the public key of its seed. C++
    /// Nix would sign with it, producing signatures nobody can verify.
    #[error("secret key '{0}' is not valid: its public half does not match its seed")]
    SecretKeyMismatch(String),
    /// A key name that C++ Nix could not read back (empty, or containing `:`).
    #[error("invalid key name '{0}': it must be non-empty and contain no ':'")]
    InvalidKeyName(String),
    /// A signature without `<name>:`.
    #[error("signature '{0}' is not of the form '<key name>:<base64>'")]
    SignatureNoName(String),
    /// A signature whose payload is not 64 bytes of base64. For a signature
    /// naming a trusted key this is what C++ Nix reports while verifying.
    #[error("signature is not valid: '{0}'")]
    InvalidSignature(String),
    /// The operating system's random number generator failed.
    #[error("key generation failed: {0}")]
    Randomness(String),
}

/// A detached Ed25519 signature with the name of the key that made it.
///
/// Generic over the name's storage like [`StorePath`](crate::store_path::StorePath):
/// [`SignatureRef`] borrows it, `Signature<String>` owns it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature<S> {
    name: S,
    bytes: [u8; SIGNATURE_LENGTH],
}

/// A signature borrowing its key name.
pub type SignatureRef<'a> = Signature<&'a str>;

impl<'a> SignatureRef<'a> {
    /// Parses `<name>:<base64 of 64 bytes>`. The name must be non-empty.
    pub fn parse(s: &'a str) -> Result<Self, Error> {
        let (name, payload) = split_name(s).ok_or_else(|| Error::SignatureNoName(s.to_owned()))?;
        let bytes = decode_signature_payload(payload)
            .ok_or_else(|| Error::InvalidSignature(s.to_owned()))?;
        Ok(Self { name, bytes })
    }
}

impl<S: AsRef<str>> Signature<S> {
    /// Builds a signature from a key name and the 64 signature bytes.
    pub fn new(name: S, bytes: [u8; SIGNATURE_LENGTH]) -> Self {
        Self { name, bytes }
    }

    /// The name of the key that made the signature.
    pub fn name(&self) -> &str {
        self.name.as_ref()
    }

    /// The 64 signature bytes.
    pub fn bytes(&self) -> &[u8; SIGNATURE_LENGTH] {
        &self.bytes
    }

    /// A borrowed copy.
    pub fn as_ref(&self) -> SignatureRef<'_> {
        Signature {
            name: self.name.as_ref(),
            bytes: self.bytes,
        }
    }

    /// An owned copy.
    pub fn to_owned(&self) -> Signature<String> {
        Signature {
            name: self.name.as_ref().to_owned(),
            bytes: self.bytes,
        }
    }
}

/// `<name>:<base64>`, as in narinfo `Sig:` lines.
impl<S: AsRef<str>> fmt::Display for Signature<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}",
            self.name.as_ref(),
            data_encoding::BASE64.encode(&self.bytes)
        )
    }
}

impl<S: AsRef<str>> fmt::Debug for Signature<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({self})")
    }
}

/// Splits `<name>:<rest>` at the first `:`, as C++ Nix's
/// `BorrowedCryptoValue::parse`: `None` without a colon or with an empty name.
pub(crate) fn split_name(s: &str) -> Option<(&str, &str)> {
    match s.split_once(':') {
        Some((name, rest)) if !name.is_empty() => Some((name, rest)),
        _ => None,
    }
}

/// Decodes a signature payload as `verifyDetachedAnon`: lenient base64 (an
/// invalid character yields nothing), which must give exactly 64 bytes.
fn decode_signature_payload(payload: &str) -> Option<[u8; SIGNATURE_LENGTH]> {
    decode_base64_lenient(payload)
        .ok()
        .and_then(|v| v.try_into().ok())
}

#[cfg(test)]
mod tests;
