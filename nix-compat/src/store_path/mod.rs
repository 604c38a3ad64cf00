//! Store paths: `/nix/store/<32 nixbase32 chars>-<name>`.
//!
//! A [`StorePath`] holds the 20-byte digest and the name. It is generic over the
//! name's storage: [`StorePathRef`] borrows it (zero-copy parsing of narinfo and
//! NAR listings), `StorePath<String>` owns it. `as_ref` and `to_owned` convert.
//!
//! [`Display`](std::fmt::Display) and [`FromStr`](std::str::FromStr) use the
//! *basename* (`hash-name`); [`StorePath::to_absolute_path`] and serde use the
//! absolute path. The store directory is fixed at [`STORE_DIR`].
//!
//! Names are validated exactly as C++ Nix 2.26 `checkName` does: 1 to 211 bytes of
//! `[A-Za-z0-9+-._?=]`, and not `.`, `..`, nor starting with `.-` or `..-`.
//! One deliberate difference: C++ Nix does not check the `-` after the hash
//! part, we do, as its own store path grammar (manual, "Store Path") requires.
//!
//! Ordering is that of C++ Nix (by basename string), which for equal-length hash
//! parts is the digest read as a little-endian number, then the name.
//!
//! The [`compute`] submodule derives paths from contents (text, source, fixed
//! outputs) and from derivation hashes.

pub mod compute;

pub use compute::{
    BuildStorePathError, build_ca_path, build_output_path, build_text_path, compress_hash,
    hash_placeholder,
};

use std::{cmp::Ordering, fmt, hash::Hash};

use crate::nixbase32;

/// The store directory.
pub const STORE_DIR: &str = "/nix/store";
/// The store directory followed by a slash.
pub const STORE_DIR_WITH_SLASH: &str = "/nix/store/";
/// Length of the digest in bytes.
pub const DIGEST_SIZE: usize = 20;
/// Length of the nixbase32-encoded digest ("hash part").
pub const ENCODED_DIGEST_SIZE: usize = nixbase32::encode_len(DIGEST_SIZE);
/// Longest valid name (C++ Nix `StorePath::MaxPathLen`).
pub const MAX_NAME_LEN: usize = 211;

/// Why a name is not a valid store path name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameError {
    /// The empty string.
    #[error("name must not be empty")]
    Empty,
    /// Longer than [`MAX_NAME_LEN`].
    #[error("name '{0}' must be no longer than 211 characters")]
    TooLong(String),
    /// `.` or `..`.
    #[error("name '{0}' is not valid")]
    DotOrDotDot(String),
    /// Starts with `.-` or `..-`.
    #[error("name '{name}' is not valid: first dash-separated component must not be '{component}'")]
    DotComponent {
        /// The name.
        name: String,
        /// `.` or `..`.
        component: &'static str,
    },
    /// A byte outside `[A-Za-z0-9+-._?=]`.
    #[error("name '{name}' contains illegal character '{character}'")]
    IllegalCharacter {
        /// The name, lossily decoded.
        name: String,
        /// The first offending byte, lossily decoded.
        character: String,
    },
}

/// Why a string is not a valid store path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Shorter than a hash part, a dash and a one-character name.
    #[error("'{0}' is too short to be a valid store path")]
    TooShort(String),
    /// The hash part has a character outside the nixbase32 alphabet.
    #[error("store path '{path}' contains illegal base-32 character '{character}'")]
    InvalidHashCharacter {
        /// The basename, lossily decoded.
        path: String,
        /// The offending character, lossily decoded.
        character: String,
    },
    /// No `-` between hash part and name.
    #[error("store path '{0}' has no '-' after its hash part")]
    MissingDash(String),
    /// The name is invalid.
    #[error("path '{path}' is not a valid store path: {source}")]
    InvalidName {
        /// The path, lossily decoded.
        path: String,
        /// What is wrong with the name.
        source: NameError,
    },
    /// Not directly below [`STORE_DIR`].
    #[error("path '{0}' is not in the Nix store")]
    NotInStore(String),
}

/// Validates a store path name as C++ Nix's `checkName`.
pub fn validate_name(name: &[u8]) -> Result<&str, NameError> {
    let lossy = || String::from_utf8_lossy(name).into_owned();
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.len() > MAX_NAME_LEN {
        return Err(NameError::TooLong(lossy()));
    }
    match name {
        b"." | b".." => return Err(NameError::DotOrDotDot(lossy())),
        [b'.', b'-', ..] => {
            return Err(NameError::DotComponent {
                name: lossy(),
                component: ".",
            });
        }
        [b'.', b'.', b'-', ..] => {
            return Err(NameError::DotComponent {
                name: lossy(),
                component: "..",
            });
        }
        _ => {}
    }
    if let Some(pos) = name.iter().position(|c| !is_name_char(*c)) {
        return Err(NameError::IllegalCharacter {
            name: lossy(),
            character: String::from_utf8_lossy(&name[pos..pos + 1]).into_owned(),
        });
    }
    // Only ASCII characters passed the check above.
    std::str::from_utf8(name).map_err(|_| NameError::Empty)
}

/// Whether `c` may appear in a store path name.
pub const fn is_name_char(c: u8) -> bool {
    matches!(c, b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z' | b'+' | b'-' | b'.' | b'_' | b'?' | b'=')
}

/// A store path: a 20-byte digest and a validated name.
#[derive(Clone, Copy)]
pub struct StorePath<S> {
    digest: [u8; DIGEST_SIZE],
    name: S,
}

/// A store path borrowing its name.
pub type StorePathRef<'a> = StorePath<&'a str>;

impl<S: AsRef<str>> StorePath<S> {
    /// The 20-byte digest.
    pub fn digest(&self) -> &[u8; DIGEST_SIZE] {
        &self.digest
    }

    /// The name (after the dash).
    pub fn name(&self) -> &S {
        &self.name
    }

    /// The name as a string slice.
    pub fn name_str(&self) -> &str {
        self.name.as_ref()
    }

    /// A borrowed copy.
    pub fn as_ref(&self) -> StorePathRef<'_> {
        StorePath {
            digest: self.digest,
            name: self.name.as_ref(),
        }
    }

    /// An owned copy.
    pub fn to_owned(&self) -> StorePath<String> {
        StorePath {
            digest: self.digest,
            name: self.name.as_ref().to_owned(),
        }
    }

    /// The 32-character nixbase32 hash part.
    pub fn hash_part(&self) -> String {
        nixbase32::encode(&self.digest)
    }

    /// `/nix/store/<hash>-<name>`.
    pub fn to_absolute_path(&self) -> String {
        let mut s = String::with_capacity(
            STORE_DIR_WITH_SLASH.len() + ENCODED_DIGEST_SIZE + 1 + self.name.as_ref().len(),
        );
        s.push_str(STORE_DIR_WITH_SLASH);
        self.write_basename(&mut s);
        s
    }

    /// Whether the name ends in `.drv`.
    pub fn is_derivation(&self) -> bool {
        self.name.as_ref().ends_with(".drv")
    }

    fn write_basename(&self, s: &mut String) {
        let mut buf = Vec::with_capacity(ENCODED_DIGEST_SIZE);
        nixbase32::encode_into(&self.digest, &mut buf);
        // nixbase32 output is ASCII.
        s.push_str(std::str::from_utf8(&buf).unwrap_or_default());
        s.push('-');
        s.push_str(self.name.as_ref());
    }
}

impl<'a, S: From<&'a str>> StorePath<S> {
    /// Builds a store path from a digest and a name, validating the name.
    pub fn from_name_and_digest(
        name: &'a str,
        digest: [u8; DIGEST_SIZE],
    ) -> Result<Self, NameError> {
        let name = validate_name(name.as_bytes())?;
        Ok(Self {
            digest,
            name: S::from(name),
        })
    }

    /// Parses a basename, `<hash>-<name>`.
    pub fn from_bytes(basename: &'a [u8]) -> Result<Self, Error> {
        let lossy = || String::from_utf8_lossy(basename).into_owned();
        if basename.len() < ENCODED_DIGEST_SIZE + 2 {
            return Err(Error::TooShort(lossy()));
        }
        let (hash, rest) = basename.split_at(ENCODED_DIGEST_SIZE);
        if let Some(pos) = hash.iter().position(|c| !nixbase32::is_valid_char(*c)) {
            return Err(Error::InvalidHashCharacter {
                path: lossy(),
                character: String::from_utf8_lossy(&hash[pos..pos + 1]).into_owned(),
            });
        }
        let name = rest
            .strip_prefix(b"-")
            .ok_or_else(|| Error::MissingDash(lossy()))?;
        let name = validate_name(name).map_err(|source| Error::InvalidName {
            path: lossy(),
            source,
        })?;
        // 32 valid characters encode exactly 160 bits: decoding cannot fail.
        let digest =
            nixbase32::decode_fixed::<DIGEST_SIZE>(hash).map_err(|_| Error::TooShort(lossy()))?;
        Ok(Self {
            digest,
            name: S::from(name),
        })
    }

    /// Parses `/nix/store/<hash>-<name>`, with nothing after the name.
    pub fn from_absolute_path(path: &'a [u8]) -> Result<Self, Error> {
        let basename = path
            .strip_prefix(STORE_DIR_WITH_SLASH.as_bytes())
            .ok_or_else(|| Error::NotInStore(String::from_utf8_lossy(path).into_owned()))?;
        Self::from_bytes(basename)
    }

    /// Parses `/nix/store/<hash>-<name>[/sub/path]`, returning the store path and
    /// the rest (empty, or starting with `/`).
    pub fn from_absolute_path_full(path: &'a str) -> Result<(Self, &'a str), Error> {
        let below = path
            .strip_prefix(STORE_DIR_WITH_SLASH)
            .ok_or_else(|| Error::NotInStore(path.to_owned()))?;
        let (basename, rest) = match below.find('/') {
            Some(pos) => below.split_at(pos),
            None => (below, ""),
        };
        Ok((Self::from_bytes(basename.as_bytes())?, rest))
    }
}

impl<S: AsRef<str>> fmt::Display for StorePath<S> {
    /// The basename, `<hash>-<name>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::with_capacity(ENCODED_DIGEST_SIZE + 1 + self.name.as_ref().len());
        self.write_basename(&mut s);
        f.write_str(&s)
    }
}

impl<S: AsRef<str>> fmt::Debug for StorePath<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StorePath({self})")
    }
}

impl std::str::FromStr for StorePath<String> {
    type Err = Error;

    /// Parses a basename.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        StorePathRef::from_bytes(s.as_bytes()).map(|p| p.to_owned())
    }
}

impl<S: AsRef<str>, T: AsRef<str>> PartialEq<StorePath<T>> for StorePath<S> {
    fn eq(&self, other: &StorePath<T>) -> bool {
        self.digest == other.digest && self.name.as_ref() == other.name.as_ref()
    }
}

impl<S: AsRef<str>> Eq for StorePath<S> {}

impl<S: AsRef<str>> Hash for StorePath<S> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.digest.hash(state);
        self.name.as_ref().hash(state);
    }
}

impl<S: AsRef<str>> PartialOrd for StorePath<S> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<S: AsRef<str>> Ord for StorePath<S> {
    /// Basename order: nixbase32 string order is little-endian digest order.
    fn cmp(&self, other: &Self) -> Ordering {
        self.digest
            .iter()
            .rev()
            .cmp(other.digest.iter().rev())
            .then_with(|| self.name.as_ref().cmp(other.name.as_ref()))
    }
}

#[cfg(feature = "serde")]
mod serde_impls {
    use super::{StorePath, StorePathRef};

    impl<S: AsRef<str>> serde::Serialize for StorePath<S> {
        fn serialize<Se: serde::Serializer>(&self, s: Se) -> Result<Se::Ok, Se::Error> {
            s.serialize_str(&self.to_absolute_path())
        }
    }

    impl<'de> serde::Deserialize<'de> for StorePath<String> {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let s = String::deserialize(d)?;
            StorePathRef::from_absolute_path(s.as_bytes())
                .map(|p| p.to_owned())
                .map_err(serde::de::Error::custom)
        }
    }
}

#[cfg(test)]
mod tests;
