//! The layout of a binary cache, as C++ Nix 2.26's `BinaryCacheStore` writes
//! it: `nix-cache-info` ([`CacheInfo`]), the names of narinfo, NAR, listing and
//! log files, and the MIME types they are uploaded with.

use std::fmt;

use crate::{
    nixbase32,
    nixhash::NixHash,
    store_path::{DIGEST_SIZE, ENCODED_DIGEST_SIZE, StorePath},
};

/// Name of the cache description file at the root of a binary cache.
pub const CACHE_INFO_FILE: &str = "nix-cache-info";
/// MIME type of `nix-cache-info`.
pub const CACHE_INFO_MIME_TYPE: &str = "text/x-nix-cache-info";
/// MIME type of `.narinfo` files.
pub const NARINFO_MIME_TYPE: &str = "text/x-nix-narinfo";
/// MIME type of NAR files, compressed or not.
pub const NAR_MIME_TYPE: &str = "application/x-nix-nar";
/// MIME type of `.ls` listings, `realisations/*.doi` and `debuginfo/*`.
pub const JSON_MIME_TYPE: &str = "application/json";
/// MIME type of build logs under `log/`.
pub const LOG_MIME_TYPE: &str = "text/plain; charset=utf-8";

/// The compression methods C++ Nix 2.26 can write NARs with
/// (`makeCompressionSink`), `none` first.
pub const COMPRESSION_METHODS: &[&str] = &[
    "none", "br", "bzip2", "compress", "grzip", "gzip", "lrzip", "lz4", "lzip", "lzma", "lzop",
    "xz", "zstd",
];

/// `<hash part>.narinfo`.
pub fn narinfo_file_name<S: AsRef<str>>(path: &StorePath<S>) -> String {
    format!("{}.narinfo", path.hash_part())
}

/// `<hash part>.ls`, the NAR listing written with `write-nar-listing=true`.
pub fn listing_file_name<S: AsRef<str>>(path: &StorePath<S>) -> String {
    format!("{}.ls", path.hash_part())
}

/// `log/<basename>`, where a derivation's build log is uploaded.
pub fn log_file_name<S: AsRef<str>>(drv_path: &StorePath<S>) -> String {
    format!("log/{drv_path}")
}

/// The digest named by `<32 nix32 characters>.narinfo`.
pub fn parse_narinfo_file_name(name: &str) -> Option<[u8; DIGEST_SIZE]> {
    let hash = name.strip_suffix(".narinfo")?;
    if hash.len() != ENCODED_DIGEST_SIZE {
        return None;
    }
    nixbase32::decode_fixed(hash).ok()
}

/// The file extension C++ Nix gives NARs compressed with `method`. Methods
/// without an entry in its table (`gzip`, `lzma`, ...) get none, like `none`.
pub fn nar_file_extension(method: &str) -> &'static str {
    match method {
        "xz" => ".xz",
        "bzip2" => ".bz2",
        "zstd" => ".zst",
        "lzip" => ".lzip",
        "lz4" => ".lz4",
        "br" => ".br",
        _ => "",
    }
}

/// `nar/<nix32 file hash>.nar<extension>`, the `URL` C++ Nix writes.
pub fn nar_url(file_hash: &NixHash, compression: &str) -> String {
    format!(
        "nar/{}.nar{}",
        nixbase32::encode(file_hash.digest()),
        nar_file_extension(compression)
    )
}

/// Splits `<52 nix32 characters>.nar<extension>` (a NAR file name, without
/// `nar/`) into the SHA-256 file hash and the extension (`""`, `.xz`, ...).
pub fn parse_nar_file_name(name: &str) -> Option<([u8; 32], &str)> {
    const LEN: usize = nixbase32::encode_len(32);
    let hash = name.get(..LEN)?;
    let ext = name.get(LEN..)?.strip_prefix(".nar")?;
    if !matches!(ext, "" | ".xz" | ".bz2" | ".zst" | ".lzip" | ".lz4" | ".br") {
        return None;
    }
    Some((nixbase32::decode_fixed(hash).ok()?, ext))
}

/// Why `nix-cache-info` could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CacheInfoError {
    /// `Priority` is not an integer (C++ Nix's `std::stoi` fails).
    #[error("invalid Priority '{0}' in nix-cache-info")]
    InvalidPriority(String),
    /// The cache is for another store directory.
    #[error("binary cache is for Nix stores with prefix '{found}', not '{expected}'")]
    WrongStoreDir {
        /// The cache's `StoreDir`.
        found: String,
        /// The local store directory.
        expected: String,
    },
}

/// The contents of `nix-cache-info`.
///
/// Read as C++ Nix's `BinaryCacheStore::init`: lines without `:` are skipped,
/// values are trimmed, unknown keys are ignored and later lines override
/// earlier ones; `WantMassQuery` is true only for `1`; `Priority` is read like
/// `std::stoi` (a leading integer, anything after it ignored). A cache written
/// by C++ Nix has only `StoreDir`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CacheInfo<'a> {
    /// `StoreDir`: the store directory the cache's paths belong to.
    pub store_dir: Option<&'a str>,
    /// `WantMassQuery`: whether clients may query many paths at once.
    pub want_mass_query: Option<bool>,
    /// `Priority`: lower is preferred among substituters (Nix's default is 50).
    pub priority: Option<i32>,
}

impl<'a> CacheInfo<'a> {
    /// The file C++ Nix writes for a new cache: `StoreDir: <store dir>`.
    pub fn new(store_dir: &'a str) -> Self {
        Self {
            store_dir: Some(store_dir),
            ..Self::default()
        }
    }

    /// Parses `nix-cache-info`.
    pub fn parse(s: &'a str) -> Result<Self, CacheInfoError> {
        let mut info = Self::default();
        for line in s.split('\n').filter(|l| !l.is_empty()) {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim_matches([' ', '\t', '\n', '\r']);
            match name {
                "StoreDir" => info.store_dir = Some(value),
                "WantMassQuery" => info.want_mass_query = Some(value == "1"),
                "Priority" => info.priority = Some(parse_stoi(value)?),
                _ => {}
            }
        }
        Ok(info)
    }

    /// Checks that the cache is for `store_dir`, as C++ Nix does when it opens
    /// a cache. A file without `StoreDir` passes.
    pub fn check_store_dir(&self, store_dir: &str) -> Result<(), CacheInfoError> {
        match self.store_dir {
            Some(found) if found != store_dir => Err(CacheInfoError::WrongStoreDir {
                found: found.to_owned(),
                expected: store_dir.to_owned(),
            }),
            _ => Ok(()),
        }
    }
}

/// `StoreDir`, `WantMassQuery` (`1` or `0`) and `Priority` lines, each if set.
impl fmt::Display for CacheInfo<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(d) = self.store_dir {
            writeln!(f, "StoreDir: {d}")?;
        }
        if let Some(w) = self.want_mass_query {
            writeln!(f, "WantMassQuery: {}", u8::from(w))?;
        }
        if let Some(p) = self.priority {
            writeln!(f, "Priority: {p}")?;
        }
        Ok(())
    }
}

/// `std::stoi`: leading white space, an optional sign, at least one digit; the
/// rest of the string is ignored; the value must fit an `int`.
fn parse_stoi(value: &str) -> Result<i32, CacheInfoError> {
    let invalid = || CacheInfoError::InvalidPriority(value.to_owned());
    let s = value.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (negative, s) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return Err(invalid());
    }
    let magnitude: i64 = s[..digits].parse().map_err(|_| invalid())?;
    let value = if negative { -magnitude } else { magnitude };
    i32::try_from(value).map_err(|_| invalid())
}
