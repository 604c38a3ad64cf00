//! Hashes as Nix prints and parses them: [`NixHash`] (md5, sha1, sha256, sha512)
//! in base16, nixbase32, base64 and SRI, and content addresses ([`CAHash`]).
//!
//! Parsing follows C++ Nix 2.26 (`Hash::parseAny` and friends) exactly:
//! - `algo:digest` (the "Nix form"): the digest encoding is chosen by its length,
//!   base16 (either case), nixbase32 or *padded* base64;
//! - `algo-base64` (SRI): base64 up to the first `=` (padding may be missing, and
//!   anything after the first `=` is ignored), newlines are skipped, and the
//!   decoded length must match the algorithm;
//! - a bare digest, when the algorithm is known from elsewhere.
//!
//! If an algorithm is given both in the string and by the caller, they must agree.

mod ca;
mod hasher;

pub use ca::{CAError, CAHash, CaMethod};
pub use hasher::Hasher;

use std::fmt;

use crate::nixbase32;

/// The hash algorithms Nix knows (without experimental features).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HashAlgo {
    /// MD5, 16 bytes.
    Md5,
    /// SHA-1, 20 bytes.
    Sha1,
    /// SHA-256, 32 bytes.
    Sha256,
    /// SHA-512, 64 bytes.
    Sha512,
}

impl HashAlgo {
    /// All algorithms, in the order Nix lists them.
    pub const ALL: [HashAlgo; 4] = [Self::Md5, Self::Sha1, Self::Sha256, Self::Sha512];

    /// Length of a digest in bytes.
    pub const fn digest_len(self) -> usize {
        match self {
            Self::Md5 => 16,
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha512 => 64,
        }
    }

    /// The name Nix uses: `md5`, `sha1`, `sha256` or `sha512`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Md5 => "md5",
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
            Self::Sha512 => "sha512",
        }
    }

    /// Length of a base16 digest.
    const fn base16_len(self) -> usize {
        self.digest_len() * 2
    }

    /// Length of a nixbase32 digest.
    const fn nix32_len(self) -> usize {
        nixbase32::encode_len(self.digest_len())
    }

    /// Length of a padded base64 digest.
    const fn base64_len(self) -> usize {
        self.digest_len().div_ceil(3) * 4
    }
}

impl fmt::Display for HashAlgo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for HashAlgo {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "md5" => Ok(Self::Md5),
            "sha1" => Ok(Self::Sha1),
            "sha256" => Ok(Self::Sha256),
            "sha512" => Ok(Self::Sha512),
            _ => Err(Error::UnknownAlgo(s.to_owned())),
        }
    }
}

/// The text encodings of a digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashFormat {
    /// Lowercase hexadecimal.
    Base16,
    /// Nix's base-32 (see [nixbase32]).
    Nix32,
    /// Standard base64 with padding.
    Base64,
    /// Subresource Integrity: `algo-base64`. Always includes the algorithm.
    Sri,
}

impl HashFormat {
    /// The name Nix uses for this format (`base16`, `nix32`, `base64`, `sri`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Base16 => "base16",
            Self::Nix32 => "nix32",
            Self::Base64 => "base64",
            Self::Sri => "sri",
        }
    }
}

impl std::str::FromStr for HashFormat {
    type Err = Error;

    /// Parses a format name as `nix hash convert --to` does (`base32` is an alias
    /// of `nix32`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "base16" => Ok(Self::Base16),
            "nix32" | "base32" => Ok(Self::Nix32),
            "base64" => Ok(Self::Base64),
            "sri" => Ok(Self::Sri),
            _ => Err(Error::UnknownFormat(s.to_owned())),
        }
    }
}

/// Why a hash could not be parsed or built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The algorithm name is not one Nix knows.
    #[error("unknown hash algorithm '{0}', expect 'md5', 'sha1', 'sha256', or 'sha512'")]
    UnknownAlgo(String),
    /// The format name is not one Nix knows.
    #[error("unknown hash format '{0}', expect 'base16', 'base32', 'base64', or 'sri'")]
    UnknownFormat(String),
    /// Neither the string nor the caller named the algorithm.
    #[error("hash '{0}' does not include a type, nor is the type otherwise known from context")]
    MissingAlgo(String),
    /// The string names another algorithm than the caller expects.
    #[error("hash '{hash}' should have type '{expected}'")]
    ConflictingAlgo {
        /// The whole input.
        hash: String,
        /// The algorithm the caller required.
        expected: HashAlgo,
    },
    /// The string is not in SRI form although SRI was required.
    #[error("hash '{0}' is not SRI")]
    NotSri(String),
    /// The digest length matches no encoding of the algorithm.
    #[error("hash '{hash}' has wrong length for hash algorithm '{algo}'")]
    WrongLength {
        /// The digest part of the input.
        hash: String,
        /// The algorithm.
        algo: HashAlgo,
    },
    /// A base16 digest with a non-hex character.
    #[error("invalid base-16 hash '{0}'")]
    InvalidBase16(String),
    /// A nixbase32 digest with a bad character or trailing bits.
    #[error("invalid base-32 hash '{0}'")]
    InvalidNix32(String),
    /// A base64 or SRI digest with a character outside the alphabet, or that
    /// decodes to the wrong number of bytes (C++ Nix reports both alike).
    #[error("invalid {kind} hash '{hash}'", kind = if *.sri { "SRI" } else { "base-64" })]
    InvalidBase64Length {
        /// The digest part of the input.
        hash: String,
        /// Whether the input was in SRI form.
        sri: bool,
    },
    /// Raw digest bytes of the wrong length for the algorithm.
    #[error("digest of {len} bytes is not a valid {algo} digest")]
    InvalidDigestLength {
        /// The algorithm.
        algo: HashAlgo,
        /// The given length.
        len: usize,
    },
}

/// A digest together with its algorithm.
///
/// Ordered like C++ Nix's `Hash`: by digest length, then digest bytes.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum NixHash {
    /// An MD5 digest.
    Md5([u8; 16]),
    /// A SHA-1 digest.
    Sha1([u8; 20]),
    /// A SHA-256 digest.
    Sha256([u8; 32]),
    /// A SHA-512 digest (boxed to keep the enum small).
    Sha512(Box<[u8; 64]>),
}

impl NixHash {
    /// The algorithm of this hash.
    pub fn algo(&self) -> HashAlgo {
        match self {
            Self::Md5(_) => HashAlgo::Md5,
            Self::Sha1(_) => HashAlgo::Sha1,
            Self::Sha256(_) => HashAlgo::Sha256,
            Self::Sha512(_) => HashAlgo::Sha512,
        }
    }

    /// The raw digest bytes.
    pub fn digest(&self) -> &[u8] {
        match self {
            Self::Md5(d) => d,
            Self::Sha1(d) => d,
            Self::Sha256(d) => d,
            Self::Sha512(d) => &d[..],
        }
    }

    /// Builds a hash from an algorithm and raw digest bytes of the right length.
    pub fn from_algo_and_digest(algo: HashAlgo, digest: &[u8]) -> Result<Self, Error> {
        let wrong = || Error::InvalidDigestLength {
            algo,
            len: digest.len(),
        };
        Ok(match algo {
            HashAlgo::Md5 => Self::Md5(digest.try_into().map_err(|_| wrong())?),
            HashAlgo::Sha1 => Self::Sha1(digest.try_into().map_err(|_| wrong())?),
            HashAlgo::Sha256 => Self::Sha256(digest.try_into().map_err(|_| wrong())?),
            HashAlgo::Sha512 => Self::Sha512(Box::new(digest.try_into().map_err(|_| wrong())?)),
        })
    }

    /// Hashes `data` in one go.
    pub fn digest_of(algo: HashAlgo, data: impl AsRef<[u8]>) -> Self {
        let mut hasher = Hasher::new(algo);
        hasher.update(data.as_ref());
        hasher.finalize()
    }

    /// Parses a hash in any form: `algo:digest`, SRI, or a bare digest whose
    /// algorithm is `algo`. Like C++ Nix's `Hash::parseAny`.
    pub fn parse(s: &str, algo: Option<HashAlgo>) -> Result<Self, Error> {
        let (parsed_algo, rest, sri) = split_algo(s)?;
        let algo = match (parsed_algo, algo) {
            (None, None) => return Err(Error::MissingAlgo(rest.to_owned())),
            (Some(p), Some(e)) if p != e => {
                return Err(Error::ConflictingAlgo {
                    hash: s.to_owned(),
                    expected: e,
                });
            }
            (Some(a), _) | (None, Some(a)) => a,
        };
        Self::parse_digest(rest, algo, sri)
    }

    /// Parses a hash that must name its algorithm (`algo:digest` or SRI).
    /// Like C++ Nix's `Hash::parseAnyPrefixed`.
    pub fn parse_prefixed(s: &str) -> Result<Self, Error> {
        let (parsed_algo, rest, sri) = split_algo(s)?;
        let algo = parsed_algo.ok_or_else(|| Error::MissingAlgo(rest.to_owned()))?;
        Self::parse_digest(rest, algo, sri)
    }

    /// Parses an SRI hash (`algo-base64`). Like C++ Nix's `Hash::parseSRI`.
    pub fn parse_sri(s: &str) -> Result<Self, Error> {
        let (algo, rest) = s
            .split_once('-')
            .ok_or_else(|| Error::NotSri(s.to_owned()))?;
        Self::parse_digest(rest, algo.parse()?, true)
    }

    /// Parses a bare digest (base16, nixbase32 or padded base64, by length).
    /// Like C++ Nix's `Hash::parseNonSRIUnprefixed`.
    pub fn parse_unprefixed(s: &str, algo: HashAlgo) -> Result<Self, Error> {
        Self::parse_digest(s, algo, false)
    }

    fn parse_digest(rest: &str, algo: HashAlgo, sri: bool) -> Result<Self, Error> {
        let bytes = rest.as_bytes();
        let digest = if !sri && bytes.len() == algo.base16_len() {
            decode_base16(bytes).ok_or_else(|| Error::InvalidBase16(rest.to_owned()))?
        } else if !sri && bytes.len() == algo.nix32_len() {
            nixbase32::decode(bytes).map_err(|_| Error::InvalidNix32(rest.to_owned()))?
        } else if sri || bytes.len() == algo.base64_len() {
            let decoded = decode_base64_lenient(rest).unwrap_or_default();
            if decoded.len() != algo.digest_len() {
                return Err(Error::InvalidBase64Length {
                    hash: rest.to_owned(),
                    sri,
                });
            }
            decoded
        } else {
            return Err(Error::WrongLength {
                hash: rest.to_owned(),
                algo,
            });
        };
        Self::from_algo_and_digest(algo, &digest)
    }

    /// Prints the digest in `format`, prefixed with `algo:` if `include_algo`
    /// (SRI always includes `algo-`). Like C++ Nix's `Hash::to_string`.
    pub fn format(&self, format: HashFormat, include_algo: bool) -> String {
        let mut s = String::new();
        if format == HashFormat::Sri || include_algo {
            s.push_str(self.algo().as_str());
            s.push(if format == HashFormat::Sri { '-' } else { ':' });
        }
        match format {
            HashFormat::Base16 => s.push_str(&data_encoding::HEXLOWER.encode(self.digest())),
            HashFormat::Nix32 => s.push_str(&nixbase32::encode(self.digest())),
            HashFormat::Base64 | HashFormat::Sri => {
                s.push_str(&data_encoding::BASE64.encode(self.digest()))
            }
        }
        s
    }

    /// `algo-base64`.
    pub fn to_sri(&self) -> String {
        self.format(HashFormat::Sri, true)
    }

    /// `algo:nix32`.
    pub fn to_nix32_prefixed(&self) -> String {
        self.format(HashFormat::Nix32, true)
    }

    /// The bare nixbase32 digest.
    pub fn to_nix32(&self) -> String {
        nixbase32::encode(self.digest())
    }

    /// The bare lowercase hex digest.
    pub fn to_base16(&self) -> String {
        data_encoding::HEXLOWER.encode(self.digest())
    }
}

impl PartialOrd for NixHash {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for NixHash {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.digest()
            .len()
            .cmp(&other.digest().len())
            .then_with(|| self.digest().cmp(other.digest()))
            .then_with(|| self.algo().cmp(&other.algo()))
    }
}

impl fmt::Debug for NixHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_sri())
    }
}

/// Prints the SRI form.
impl fmt::Display for NixHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_sri())
    }
}

/// Splits `algo:` or `algo-` off `s`, as C++ Nix's `getParsedTypeAndSRI`: the
/// first `:` wins; only without one is a `-` looked for.
fn split_algo(s: &str) -> Result<(Option<HashAlgo>, &str, bool), Error> {
    if let Some((algo, rest)) = s.split_once(':') {
        return Ok((Some(algo.parse()?), rest, false));
    }
    if let Some((algo, rest)) = s.split_once('-') {
        return Ok((Some(algo.parse()?), rest, true));
    }
    Ok((None, s, false))
}

fn decode_base16(bytes: &[u8]) -> Option<Vec<u8>> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    bytes
        .chunks_exact(2)
        .map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?))
        .collect()
}

/// Base64 decoding as C++ Nix's `base64Decode`: stops at the first `=`, skips
/// newlines, ignores leftover bits, rejects any other non-alphabet character
/// (returned as the error).
pub(crate) fn decode_base64_lenient(s: &str) -> Result<Vec<u8>, u8> {
    const fn table() -> [u8; 256] {
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut t = [0xffu8; 256];
        let mut i = 0;
        while i < 64 {
            t[alphabet[i] as usize] = i as u8;
            i += 1;
        }
        t
    }
    const TABLE: [u8; 256] = table();

    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for c in s.bytes() {
        match c {
            b'=' => break,
            b'\n' => continue,
            _ => {}
        }
        let digit = TABLE[usize::from(c)];
        if digit == 0xff {
            return Err(c);
        }
        acc = (acc << 6 | u32::from(digit)) & 0xffff;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            // Truncation intended: one output byte.
            out.push((acc >> bits) as u8);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
