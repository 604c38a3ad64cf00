//! [`PathInfo`]: everything the store knows about one store path, and its
//! conversions to and from narinfo and the JSON of `nix path-info --json`.
//!
//! The contents are a castore [`Node`]; the NAR hash and size describe the
//! NAR serialisation of that node (so they can be checked against it). The
//! deriver is kept as the full `.drv` store path; the protobuf form strips the
//! suffix, as tvix does (see [`crate::proto`]).

use std::{borrow::Cow, collections::BTreeMap, fmt, str::FromStr};

use nix_compat::{
    narinfo::NarInfo,
    nixbase32,
    nixhash::{CAHash, NixHash},
    signature::{self, SecretKey, Signature, TrustedKeys},
    store_path::{self, DIGEST_SIZE, StorePath, StorePathRef},
};
use tvix_castore::Node;

/// The 20-byte digest of a store path, by which PathInfos are looked up (the
/// part of the basename before the `-`). Its text form is the 32-character
/// nixbase32 hash part.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StorePathHash(pub [u8; DIGEST_SIZE]);

impl StorePathHash {
    /// The digest of `path`.
    #[must_use]
    pub fn of<S: AsRef<str>>(path: &StorePath<S>) -> Self {
        Self(*path.digest())
    }

    /// The raw bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; DIGEST_SIZE] {
        &self.0
    }
}

impl fmt::Display for StorePathHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&nixbase32::encode(&self.0))
    }
}

impl fmt::Debug for StorePathHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StorePathHash({self})")
    }
}

/// Why a text is not a store path hash part.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a store path hash (32 nixbase32 characters)")]
pub struct StorePathHashError(String);

impl FromStr for StorePathHash {
    type Err = StorePathHashError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        nixbase32::decode_fixed::<DIGEST_SIZE>(s.as_bytes())
            .map(Self)
            .map_err(|_| StorePathHashError(s.to_owned()))
    }
}

/// What the store knows about one store path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathInfo {
    /// The store path.
    pub store_path: StorePath<String>,
    /// Its contents, as a castore root node.
    pub node: Node,
    /// The store paths it references (kept sorted and unique by the
    /// constructors of this crate; C++ Nix treats them as a set).
    pub references: Vec<StorePath<String>>,
    /// Size of the NAR serialisation of `node`.
    pub nar_size: u64,
    /// SHA-256 of the NAR serialisation of `node`.
    pub nar_sha256: [u8; 32],
    /// The derivation that produced it (a `.drv` store path), if known.
    pub deriver: Option<StorePath<String>>,
    /// Signatures over its [fingerprint](Self::fingerprint).
    pub signatures: Vec<Signature<String>>,
    /// Its content address, if it is content-addressed.
    pub ca: Option<CAHash>,
}

/// Why a narinfo cannot become a [`PathInfo`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FromNarInfoError {
    /// The NAR hash is not SHA-256 (castore verifies NARs by SHA-256 only).
    #[error("NarHash of {path} is {algo}, not sha256")]
    NarHashNotSha256 {
        /// The store path.
        path: String,
        /// The algorithm found.
        algo: String,
    },
    /// A `Sig` line that is not a signature.
    #[error("invalid signature {sig:?} of {path}")]
    Signature {
        /// The store path.
        path: String,
        /// The text.
        sig: String,
        /// Why.
        #[source]
        source: signature::Error,
    },
}

impl PathInfo {
    /// The NAR hash as a [`NixHash`].
    #[must_use]
    pub fn nar_hash(&self) -> NixHash {
        NixHash::Sha256(self.nar_sha256)
    }

    /// The digest the path is looked up by.
    #[must_use]
    pub fn hash(&self) -> StorePathHash {
        StorePathHash::of(&self.store_path)
    }

    /// The narinfo of this path, in C++ Nix's canonical shape (references and
    /// signatures sorted). `url` and `compression` describe where the NAR file
    /// is; `FileHash` and `FileSize` are left for the caller to set.
    #[must_use]
    pub fn to_narinfo<'a>(
        &'a self,
        url: impl Into<Cow<'a, str>>,
        compression: &'a str,
    ) -> NarInfo<'a> {
        let mut n = NarInfo::new(
            self.store_path.as_ref(),
            url,
            self.nar_hash(),
            self.nar_size,
        );
        n.compression = Some(compression);
        n.references = self.references.iter().map(StorePath::as_ref).collect();
        n.deriver = self.deriver.as_ref().map(StorePath::as_ref);
        n.signatures = self
            .signatures
            .iter()
            .map(|s| Cow::Owned(s.to_string()))
            .collect();
        n.ca = self.ca.clone();
        n.canonicalize();
        n
    }

    /// A PathInfo from a narinfo and the castore node holding the NAR's
    /// contents (which the caller ingested and checked against the NAR hash).
    pub fn from_narinfo(n: &NarInfo<'_>, node: Node) -> Result<Self, FromNarInfoError> {
        let NixHash::Sha256(nar_sha256) = n.nar_hash else {
            return Err(FromNarInfoError::NarHashNotSha256 {
                path: n.store_path.to_absolute_path(),
                algo: n.nar_hash.algo().to_string(),
            });
        };
        let signatures = n
            .signatures
            .iter()
            .map(|s| {
                Signature::parse(s).map(|s| s.to_owned()).map_err(|source| {
                    FromNarInfoError::Signature {
                        path: n.store_path.to_absolute_path(),
                        sig: s.to_string(),
                        source,
                    }
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut info = Self {
            store_path: n.store_path.to_owned(),
            node,
            references: n.references.iter().map(StorePathRef::to_owned).collect(),
            nar_size: n.nar_size,
            nar_sha256,
            deriver: n.deriver.map(|d| d.to_owned()),
            signatures,
            ca: n.ca.clone(),
        };
        info.normalize();
        Ok(info)
    }

    /// Sorts and de-duplicates references and signatures (C++ Nix keeps both
    /// as sets).
    pub fn normalize(&mut self) {
        self.references.sort();
        self.references.dedup();
        self.signatures.sort_by_key(ToString::to_string);
        self.signatures.dedup();
    }

    /// The fingerprint signatures sign (`1;path;sha256:…;size;refs`), or
    /// `None` for a NAR size of 0, which C++ Nix refuses to fingerprint.
    #[must_use]
    pub fn fingerprint(&self) -> Option<String> {
        nix_compat::narinfo::fingerprint(
            self.store_path.as_ref(),
            &self.nar_hash(),
            self.nar_size,
            self.references.iter().map(StorePath::as_ref),
        )
        .ok()
    }

    /// Adds a signature made with `key` (replacing none: signatures stay a set).
    pub fn sign(&mut self, key: &SecretKey) {
        if let Some(fp) = self.fingerprint() {
            self.signatures.push(key.sign(fp.as_bytes()));
            self.normalize();
        }
    }

    /// How many signatures a trusted key verifies, or `usize::MAX` if the path
    /// is content-addressed and its content address computes to it (C++
    /// Nix's `checkSignatures`).
    #[must_use]
    pub fn check_signatures(&self, keys: &TrustedKeys) -> usize {
        let narinfo = self.to_narinfo("", "none");
        narinfo.check_signatures(keys).unwrap_or(0)
    }

    /// The JSON object `nix path-info --json` prints for this path (without
    /// the enclosing `{path: …}` map).
    #[must_use]
    pub fn to_json(&self) -> PathInfoJson {
        PathInfoJson {
            ca: self.ca.clone(),
            deriver: self.deriver.as_ref().map(|d| d.to_absolute_path()),
            nar_hash: self.nar_hash(),
            nar_size: self.nar_size,
            references: self
                .references
                .iter()
                .map(StorePath::to_absolute_path)
                .collect(),
            registration_time: 0,
            signatures: self.signatures.iter().map(ToString::to_string).collect(),
            ultimate: false,
            closure_size: None,
        }
    }
}

/// One path's entry in the output of `nix path-info --json` (Nix 2.26): keys
/// in that order, the NAR hash in SRI form, absolute paths. We keep no
/// registration time, so `registrationTime` is 0, and no path is `ultimate`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PathInfoJson {
    /// `ca`: the content address or `null`.
    pub ca: Option<CAHash>,
    /// `deriver`: the absolute `.drv` path or `null`.
    pub deriver: Option<String>,
    /// `narHash`, SRI.
    #[serde(rename = "narHash")]
    pub nar_hash: NixHash,
    /// `narSize`.
    #[serde(rename = "narSize")]
    pub nar_size: u64,
    /// `references`, absolute and sorted.
    pub references: Vec<String>,
    /// `registrationTime`.
    #[serde(rename = "registrationTime")]
    pub registration_time: u64,
    /// `signatures`.
    pub signatures: Vec<String>,
    /// `ultimate`.
    pub ultimate: bool,
    /// `closureSize`, only with `--closure-size`.
    #[serde(rename = "closureSize", skip_serializing_if = "Option::is_none")]
    pub closure_size: Option<u64>,
}

/// The JSON document `nix path-info --json` prints: absolute path to entry,
/// `null` for paths that are not valid.
#[must_use]
pub fn path_info_json_document(
    entries: impl IntoIterator<Item = (String, Option<PathInfoJson>)>,
) -> String {
    let map: BTreeMap<String, Option<PathInfoJson>> = entries.into_iter().collect();
    // Serialising plain data (strings, numbers, derived structs) cannot fail.
    serde_json::to_string(&map).unwrap_or_default()
}

/// Checks that `path` is a store path in [`store_path::STORE_DIR`] and
/// returns it (used by callers parsing user input).
pub fn parse_absolute(path: &str) -> Result<StorePath<String>, store_path::Error> {
    StorePathRef::from_absolute_path(path.as_bytes()).map(|p| p.to_owned())
}

#[cfg(test)]
mod tests;
