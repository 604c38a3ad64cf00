//! Signing keys ([`SecretKey`]), verifying keys ([`PublicKey`]) and the set of
//! keys a store trusts ([`TrustedKeys`], C++ Nix's `PublicKeys` map).
//!
//! Deviation: C++ Nix signs with whatever a secret key file holds, even when its
//! public half is not the seed's public key (libsodium hashes the stored half, so
//! every signature it makes is invalid), and prints that half as the public key.
//! We refuse such a key with [`Error::SecretKeyMismatch`].

use std::collections::BTreeMap;
use std::fmt;

use ed25519_dalek::{SigningKey, VerifyingKey};

use super::{Error, SIGNATURE_LENGTH, Signature, decode_signature_payload, split_name};
use crate::nixhash::decode_base64_lenient;

/// Length of an Ed25519 public key in bytes.
pub const PUBLIC_KEY_LENGTH: usize = 32;
/// Length of a secret key payload in bytes: the seed, then the public key.
pub const SECRET_KEY_LENGTH: usize = 64;

/// Splits `<name>:<base64>` and decodes the payload, as C++ Nix's `Key`
/// constructor: both parts must be non-empty.
fn parse_key(s: &str) -> Result<(&str, Vec<u8>), Error> {
    let (name, payload) = split_name(s).ok_or(Error::CorruptKey)?;
    if payload.is_empty() {
        return Err(Error::CorruptKey);
    }
    let bytes = decode_base64_lenient(payload).map_err(|c| Error::KeyBase64 {
        name: name.to_owned(),
        character: char::from(c),
    })?;
    Ok((name, bytes))
}

/// Checks a name for a new key: C++ Nix writes any name, but can only read back
/// non-empty names without `:`.
fn check_new_name(name: &str) -> Result<(), Error> {
    if name.is_empty() || name.contains(':') {
        return Err(Error::InvalidKeyName(name.to_owned()));
    }
    Ok(())
}

/// An Ed25519 signing key with its name, as in `nix key generate-secret` files.
#[derive(Clone)]
pub struct SecretKey {
    name: String,
    signing: SigningKey,
}

impl SecretKey {
    /// Parses `<name>:<base64 of seed ‖ public key>`; a trailing newline is fine.
    pub fn parse(s: &str) -> Result<Self, Error> {
        let (name, bytes) = parse_key(s)?;
        let keypair: [u8; SECRET_KEY_LENGTH] =
            bytes
                .as_slice()
                .try_into()
                .map_err(|_| Error::SecretKeyLength {
                    name: name.to_owned(),
                    len: bytes.len(),
                })?;
        let signing = SigningKey::from_keypair_bytes(&keypair)
            .map_err(|_| Error::SecretKeyMismatch(name.to_owned()))?;
        Ok(Self {
            name: name.to_owned(),
            signing,
        })
    }

    /// Generates a new key from the operating system's randomness, as
    /// `nix key generate-secret --key-name NAME`.
    pub fn generate(name: &str) -> Result<Self, Error> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| Error::Randomness(e.to_string()))?;
        Self::from_seed(name, seed)
    }

    /// The key with the given 32-byte seed (RFC 8032 secret key).
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<Self, Error> {
        check_new_name(name)?;
        Ok(Self {
            name: name.to_owned(),
            signing: SigningKey::from_bytes(&seed),
        })
    }

    /// The key's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The matching public key, as `nix key convert-secret-to-public`.
    #[must_use]
    pub fn public_key(&self) -> PublicKey {
        let verifying = self.signing.verifying_key();
        PublicKey {
            name: self.name.clone(),
            bytes: verifying.to_bytes(),
            verifying: Some(verifying),
        }
    }

    /// Signs `data`, as C++ Nix's `signDetached`.
    #[must_use]
    pub fn sign(&self, data: &[u8]) -> Signature<String> {
        use ed25519_dalek::Signer;
        Signature::new(self.name.clone(), self.signing.sign(data).to_bytes())
    }

    /// The key file contents, `<name>:<base64 of seed ‖ public key>`, without a
    /// trailing newline (as `nix key generate-secret` writes it).
    #[must_use]
    pub fn to_key_file_string(&self) -> String {
        format!(
            "{}:{}",
            self.name,
            data_encoding::BASE64.encode(&self.signing.to_keypair_bytes())
        )
    }
}

/// Shows the name only, never the secret.
impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({}:<redacted>)", self.name)
    }
}

/// An Ed25519 verifying key with its name.
///
/// Like C++ Nix, any 32 bytes are accepted; bytes that are not a valid,
/// canonically encoded curve point of large order verify nothing.
#[derive(Clone)]
pub struct PublicKey {
    name: String,
    bytes: [u8; PUBLIC_KEY_LENGTH],
    /// The decoded point, if it is one libsodium accepts.
    verifying: Option<VerifyingKey>,
}

impl PublicKey {
    /// Parses `<name>:<base64 of 32 bytes>`.
    pub fn parse(s: &str) -> Result<Self, Error> {
        let (name, bytes) = parse_key(s)?;
        let bytes: [u8; PUBLIC_KEY_LENGTH] =
            bytes
                .as_slice()
                .try_into()
                .map_err(|_| Error::PublicKeyLength {
                    name: name.to_owned(),
                    len: bytes.len(),
                })?;
        Ok(Self::from_parts(name.to_owned(), bytes))
    }

    /// A key from its name and 32 bytes. The name must be non-empty without `:`.
    pub fn new(name: &str, bytes: [u8; PUBLIC_KEY_LENGTH]) -> Result<Self, Error> {
        check_new_name(name)?;
        Ok(Self::from_parts(name.to_owned(), bytes))
    }

    fn from_parts(name: String, bytes: [u8; PUBLIC_KEY_LENGTH]) -> Self {
        // libsodium rejects non-canonical encodings (y >= p) and small-order
        // points; the former shows as a different re-encoding.
        let verifying = VerifyingKey::from_bytes(&bytes)
            .ok()
            .filter(|vk| vk.to_edwards().compress().to_bytes() == bytes && !vk.is_weak());
        Self {
            name,
            bytes,
            verifying,
        }
    }

    /// The key's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The 32 key bytes.
    pub fn bytes(&self) -> &[u8; PUBLIC_KEY_LENGTH] {
        &self.bytes
    }

    /// Checks a `<name>:<base64>` signature of `data`, as C++ Nix's
    /// `PublicKey::verifyDetached`: `false` if the names differ; an error if
    /// the payload is not 64 bytes of base64.
    pub fn verify(&self, data: &[u8], signature: &str) -> Result<bool, Error> {
        match split_name(signature) {
            Some((name, payload)) if name == self.name => self.verify_anon(data, payload),
            _ => Ok(false),
        }
    }

    /// Checks a bare base64 signature of `data`, as `verifyDetachedAnon`.
    pub fn verify_anon(&self, data: &[u8], payload: &str) -> Result<bool, Error> {
        let bytes = decode_signature_payload(payload)
            .ok_or_else(|| Error::InvalidSignature(payload.to_owned()))?;
        Ok(self.verify_bytes(data, &bytes))
    }

    /// Checks a parsed signature: its name must be this key's.
    pub fn verify_signature<S: AsRef<str>>(&self, data: &[u8], signature: &Signature<S>) -> bool {
        signature.name() == self.name && self.verify_bytes(data, signature.bytes())
    }

    fn verify_bytes(&self, data: &[u8], signature: &[u8; SIGNATURE_LENGTH]) -> bool {
        let Some(verifying) = &self.verifying else {
            return false;
        };
        // verify_strict: canonical S, R and the key not of small order,
        // cofactorless equation with R compared by its encoding (libsodium's checks).
        verifying
            .verify_strict(data, &ed25519_dalek::Signature::from_bytes(signature))
            .is_ok()
    }
}

/// `<name>:<base64>`, as `nix key convert-secret-to-public` prints it.
impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}",
            self.name,
            data_encoding::BASE64.encode(&self.bytes)
        )
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({self})")
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.bytes == other.bytes
    }
}

impl Eq for PublicKey {}

impl std::str::FromStr for PublicKey {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// The public keys a store trusts, by name (C++ Nix's `PublicKeys`, built from
/// `trusted-public-keys` and `secret-key-files`).
///
/// When two keys share a name, the first one added wins, as with C++ Nix's
/// `std::map::emplace`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedKeys {
    keys: BTreeMap<String, PublicKey>,
}

impl TrustedKeys {
    /// No trusted keys.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses a whitespace-separated list of public keys, as the value of the
    /// `trusted-public-keys` setting.
    pub fn parse_list(s: &str) -> Result<Self, Error> {
        s.split([' ', '\t', '\n', '\r'])
            .filter(|k| !k.is_empty())
            .map(PublicKey::parse)
            .collect()
    }

    /// Adds a key unless one of the same name is already trusted; returns
    /// whether it was added.
    pub fn insert(&mut self, key: PublicKey) -> bool {
        match self.keys.entry(key.name.clone()) {
            std::collections::btree_map::Entry::Occupied(_) => false,
            std::collections::btree_map::Entry::Vacant(e) => {
                e.insert(key);
                true
            }
        }
    }

    /// The trusted key of this name.
    pub fn get(&self, name: &str) -> Option<&PublicKey> {
        self.keys.get(name)
    }

    /// How many keys are trusted.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is trusted.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The keys, ordered by name.
    pub fn iter(&self) -> impl Iterator<Item = &PublicKey> {
        self.keys.values()
    }

    /// Checks a `<name>:<base64>` signature of `data` against the trusted key
    /// of that name, as C++ Nix's `verifyDetached(data, sig, publicKeys)`:
    /// `false` if no trusted key has the name; an error if one has and the
    /// payload is not 64 bytes of base64.
    pub fn verify(&self, data: &[u8], signature: &str) -> Result<bool, Error> {
        let Some((name, payload)) = split_name(signature) else {
            return Ok(false);
        };
        match self.keys.get(name) {
            Some(key) => key.verify_anon(data, payload),
            None => Ok(false),
        }
    }

    /// Counts the distinct signatures of `data` that a trusted key verifies.
    pub fn count_valid<'s>(
        &self,
        data: &[u8],
        signatures: impl IntoIterator<Item = &'s str>,
    ) -> Result<usize, Error> {
        let mut seen = std::collections::BTreeSet::new();
        let mut good = 0;
        for sig in signatures {
            if seen.insert(sig) && self.verify(data, sig)? {
                good += 1;
            }
        }
        Ok(good)
    }
}

impl FromIterator<PublicKey> for TrustedKeys {
    fn from_iter<I: IntoIterator<Item = PublicKey>>(iter: I) -> Self {
        let mut keys = Self::new();
        keys.extend(iter);
        keys
    }
}

impl Extend<PublicKey> for TrustedKeys {
    fn extend<I: IntoIterator<Item = PublicKey>>(&mut self, iter: I) {
        for key in iter {
            self.insert(key);
        }
    }
}
