//! Content addresses: how a store object's path was derived from its contents.
//!
//! Text form (narinfo `CA:`, the daemon protocol): `text:sha256:<nix32>`,
//! `fixed:<algo>:<nix32>` (flat file hash) and `fixed:r:<algo>:<nix32>` (hash of
//! the NAR serialisation). C++ Nix 2.26 parses the digest in any encoding; it
//! prints nixbase32. `fixed:git:` needs the `git-hashing` experimental feature,
//! which we, like a default C++ Nix, refuse.

use std::fmt;

use super::{Error as HashError, HashAlgo, NixHash};

/// How the contents were turned into bytes to hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CaMethod {
    /// A single file hashed as-is, with references (`builtins.toFile`, `.drv`).
    Text,
    /// A single file hashed as-is (`outputHashMode = "flat"`).
    Flat,
    /// The NAR serialisation of a tree (`outputHashMode = "recursive"`, `nar`).
    Nar,
}

impl CaMethod {
    /// The prefix used before the algorithm in derivation outputs' `hashAlgo`
    /// field and in `fixed:` content addresses: `text:`, `` (flat) or `r:`.
    pub const fn prefix(self) -> &'static str {
        match self {
            Self::Text => "text:",
            Self::Flat => "",
            Self::Nar => "r:",
        }
    }

    /// The name used in JSON `method` fields: `text`, `flat` or `nar`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Flat => "flat",
            Self::Nar => "nar",
        }
    }
}

/// A content address: a method and a hash. `Text` is always SHA-256.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CAHash {
    /// `text:sha256:...`
    Text([u8; 32]),
    /// `fixed:<algo>:...`
    Flat(NixHash),
    /// `fixed:r:<algo>:...`
    Nar(NixHash),
}

/// Why a content address could not be parsed or built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CAError {
    /// No `prefix:` at all.
    #[error("not a content address because it is not in the form '<prefix>:<rest>': {0}")]
    MissingPrefix(String),
    /// The prefix is neither `text` nor `fixed`.
    #[error(
        "content address prefix '{0}' is unrecognized. Recogonized prefixes are 'text' or 'fixed'"
    )]
    UnknownPrefix(String),
    /// No `algo:` after the prefix.
    #[error("content address hash must be in form '<algo>:<hash>', but found: {0}")]
    MissingAlgo(String),
    /// `fixed:git:` content addresses need an experimental feature.
    #[error(
        "experimental Nix feature 'git-hashing' is disabled; add '--extra-experimental-features git-hashing' to enable it"
    )]
    GitHashing,
    /// Text content addresses are SHA-256 only.
    #[error("text content address must use sha256, not {0}")]
    TextNotSha256(HashAlgo),
    /// The hash part is malformed.
    #[error(transparent)]
    Hash(#[from] HashError),
}

impl CAHash {
    /// Builds a content address from a method and hash.
    pub fn new(method: CaMethod, hash: NixHash) -> Result<Self, CAError> {
        Ok(match method {
            CaMethod::Text => match hash {
                NixHash::Sha256(d) => Self::Text(d),
                other => return Err(CAError::TextNotSha256(other.algo())),
            },
            CaMethod::Flat => Self::Flat(hash),
            CaMethod::Nar => Self::Nar(hash),
        })
    }

    /// The method.
    pub fn method(&self) -> CaMethod {
        match self {
            Self::Text(_) => CaMethod::Text,
            Self::Flat(_) => CaMethod::Flat,
            Self::Nar(_) => CaMethod::Nar,
        }
    }

    /// The hash (cloned for `Text`, which stores only the digest).
    pub fn hash(&self) -> NixHash {
        match self {
            Self::Text(d) => NixHash::Sha256(*d),
            Self::Flat(h) | Self::Nar(h) => h.clone(),
        }
    }

    /// The algorithm of the hash.
    pub fn algo(&self) -> HashAlgo {
        match self {
            Self::Text(_) => HashAlgo::Sha256,
            Self::Flat(h) | Self::Nar(h) => h.algo(),
        }
    }

    /// The digest bytes.
    pub fn digest(&self) -> &[u8] {
        match self {
            Self::Text(d) => d,
            Self::Flat(h) | Self::Nar(h) => h.digest(),
        }
    }

    /// Method prefix and algorithm as in a derivation output's `hashAlgo`
    /// field: `sha256`, `r:sha256`, `text:sha256`.
    pub fn method_algo(&self) -> String {
        format!("{}{}", self.method().prefix(), self.algo())
    }

    /// Parses the text form, like C++ Nix's `ContentAddress::parse`.
    pub fn parse(s: &str) -> Result<Self, CAError> {
        let (prefix, rest) = s
            .split_once(':')
            .ok_or_else(|| CAError::MissingPrefix(s.to_owned()))?;
        let (method, rest) = match prefix {
            "text" => (CaMethod::Text, rest),
            "fixed" => {
                if let Some(rest) = rest.strip_prefix("r:") {
                    (CaMethod::Nar, rest)
                } else if rest.starts_with("git:") {
                    return Err(CAError::GitHashing);
                } else {
                    (CaMethod::Flat, rest)
                }
            }
            other => return Err(CAError::UnknownPrefix(other.to_owned())),
        };
        let (algo, digest) = rest
            .split_once(':')
            .ok_or_else(|| CAError::MissingAlgo(s.to_owned()))?;
        let algo: HashAlgo = algo.parse()?;
        let hash = NixHash::parse_unprefixed(digest, algo)?;
        Self::new(method, hash)
    }
}

/// The text form with a nixbase32 digest, as C++ Nix prints it.
impl fmt::Display for CAHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self {
            Self::Text(_) => "text:",
            Self::Flat(_) => "fixed:",
            Self::Nar(_) => "fixed:r:",
        };
        write!(
            f,
            "{kind}{}:{}",
            self.algo(),
            crate::nixbase32::encode(self.digest())
        )
    }
}

impl fmt::Debug for CAHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CAHash({self})")
    }
}

/// The JSON shape of a content address where C++ Nix prints one on its own
/// (`nix path-info --json`'s `"ca"`): its text form. Reading accepts every
/// form [`CAHash::parse`] does.
#[cfg(feature = "serde")]
impl serde::Serialize for CAHash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for CAHash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        CAHash::parse(&s).map_err(serde::de::Error::custom)
    }
}
