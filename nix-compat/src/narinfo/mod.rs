//! `.narinfo` files: what a binary cache says about one store path, and the
//! signature fingerprint they are signed over.
//!
//! A narinfo is a list of `Key: value` lines, each ending in `\n`. C++ Nix 2.26
//! (`NarInfo::to_string`) writes, in this order:
//!
//! ```text
//! StorePath: /nix/store/<hash>-<name>
//! URL: nar/<nix32 file hash>.nar<extension>
//! Compression: <method>
//! FileHash: sha256:<nix32>
//! FileSize: <bytes>
//! NarHash: sha256:<nix32>
//! NarSize: <bytes>
//! References: <basename> <basename> ...     (sorted; "References: " if none)
//! Deriver: <basename>.drv                   (if known)
//! Sig: <key name>:<base64>                  (zero or more, sorted)
//! CA: <content address>                     (if content-addressed)
//! ```
//!
//! [`NarInfo::parse`] accepts exactly what C++ Nix's parser accepts, with its
//! quirks: the key is everything up to the next `:`, the value starts *two*
//! bytes after it and runs to the next `\n`; unknown keys are ignored (we keep
//! them, see below); a repeated single-valued key overrides the earlier one;
//! `References` and `CA` may appear twice only if the first was empty; sizes are
//! decimal with an optional `+`; hashes may be in any prefixed form (`sha256:`
//! with base16, nix32 or base64, or SRI); `StorePath` is canonicalised like a
//! file path (`//`, `.` and `..` components) before it must name an entry of
//! `/nix/store`; `Deriver: unknown-deriver` means no deriver. A narinfo must
//! have `StorePath`, `NarHash`, a non-empty `URL` and a non-zero `NarSize`.
//! A missing or empty `Compression` means bzip2.
//!
//! Parsing is zero-copy: a [`NarInfo`] borrows its strings and store path names
//! from the input. So that printing reproduces the narinfos found in the wild
//! byte for byte, it also records how the input deviated from what C++ Nix 2.26
//! writes ([`Quirks`]: no `References` line as nix-serve and harmonia write,
//! `Deriver: unknown-deriver`, hex or SRI hashes as old caches have) and keeps
//! unknown lines such as `System:` (which C++ Nix wrote up to 2.3) in
//! [`NarInfo::extra_fields`]; lists keep their input order. Printing
//! ([`Display`](std::fmt::Display)) writes the fields in C++ Nix's order;
//! [`NarInfo::canonicalize`] turns a parsed narinfo into exactly what C++ Nix
//! would write for it.
//!
//! Two deviations, both for inputs no tool writes: store paths need the `-`
//! after their hash part (see [`crate::store_path`]), and a value whose first
//! byte (the one after `: `'s colon) is not ASCII is refused, since C++ Nix
//! would cut a UTF-8 character in two there.
//!
//! The fingerprint signed by `Sig:` lines is
//! `1;<store path>;<NarHash as sha256:nix32>;<NarSize>;<references>`, the
//! references absolute, sorted and comma-separated ([`fingerprint`]).
//!
//! # Binary cache layout
//!
//! A binary cache holds `nix-cache-info` ([`CacheInfo`]),
//! `<hash part>.narinfo` ([`narinfo_file_name`]), the NARs under
//! `nar/<nix32 file hash>.nar<extension>` ([`nar_url`]), and optionally
//! `<hash part>.ls` listings, `log/<drv basename>` and `realisations/`.

mod cache;
mod parse;

pub use cache::{
    CACHE_INFO_FILE, CACHE_INFO_MIME_TYPE, COMPRESSION_METHODS, CacheInfo, CacheInfoError,
    JSON_MIME_TYPE, LOG_MIME_TYPE, NAR_MIME_TYPE, NARINFO_MIME_TYPE, listing_file_name,
    log_file_name, nar_file_extension, nar_url, narinfo_file_name, parse_nar_file_name,
    parse_narinfo_file_name,
};

use std::{borrow::Cow, fmt};

use crate::{
    nixbase32,
    nixhash::{self, CAError, CAHash, HashFormat, NixHash},
    signature::{self, SecretKey, SignatureRef, TrustedKeys},
    store_path::{self, StorePathRef},
};

/// Why a narinfo could not be parsed, or its signatures checked.
///
/// Line numbers count entries the way C++ Nix does: one per `Key: value`
/// parsed, starting at 1. Messages start like C++ Nix's ("bad hash at line 3",
/// "URL missing", ...), which it prefixes with "NAR info file '<name>' is
/// corrupt: ".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No `:` in the rest of the input.
    #[error("expecting ':' at line {line}")]
    MissingColon {
        /// The entry's number.
        line: usize,
    },
    /// No `\n` after a value.
    #[error("expecting '\\n' at line {line}")]
    MissingNewline {
        /// The entry's number.
        line: usize,
    },
    /// The byte after `:` starts a multi-byte UTF-8 character.
    #[error("expecting ' ' after ':' at line {line}")]
    NonAsciiSeparator {
        /// The entry's number.
        line: usize,
    },
    /// `StorePath` is not an absolute path.
    #[error("invalid StorePath at line {line}: not an absolute path: '{path}'")]
    StorePathNotAbsolute {
        /// The entry's number.
        line: usize,
        /// The value.
        path: String,
    },
    /// `StorePath` is not a store path.
    #[error("invalid StorePath at line {line}: {source}")]
    StorePath {
        /// The entry's number.
        line: usize,
        /// What is wrong.
        source: store_path::Error,
    },
    /// `NarHash` or `FileHash` is not a prefixed hash.
    #[error("bad hash at line {line}: {field}: {source}")]
    Hash {
        /// The entry's number.
        line: usize,
        /// `NarHash` or `FileHash`.
        field: &'static str,
        /// What is wrong.
        source: nixhash::Error,
    },
    /// `NarSize` or `FileSize` is not a decimal unsigned 64-bit number.
    #[error("invalid {field} at line {line}: '{value}'")]
    Size {
        /// The entry's number.
        line: usize,
        /// `NarSize` or `FileSize`.
        field: &'static str,
        /// The value.
        value: String,
    },
    /// A second `References` line after a non-empty one.
    #[error("extra References at line {line}")]
    ExtraReferences {
        /// The entry's number.
        line: usize,
    },
    /// A reference is not a store path basename.
    #[error("invalid reference at line {line}: {source}")]
    Reference {
        /// The entry's number.
        line: usize,
        /// What is wrong.
        source: store_path::Error,
    },
    /// `Deriver` is neither a store path basename nor `unknown-deriver`.
    #[error("invalid Deriver at line {line}: {source}")]
    Deriver {
        /// The entry's number.
        line: usize,
        /// What is wrong.
        source: store_path::Error,
    },
    /// A second `CA` line after a non-empty one.
    #[error("extra CA at line {line}")]
    ExtraCa {
        /// The entry's number.
        line: usize,
    },
    /// `CA` is not a content address.
    #[error("invalid CA at line {line}: {source}")]
    Ca {
        /// The entry's number.
        line: usize,
        /// What is wrong.
        source: CAError,
    },
    /// No `StorePath` line.
    #[error("StorePath missing")]
    MissingStorePath,
    /// No `NarHash` line.
    #[error("NarHash missing")]
    MissingNarHash,
    /// No `URL` line, or an empty one.
    #[error("URL missing")]
    MissingUrl,
    /// No `NarSize` line, or `NarSize: 0`.
    #[error("NarSize missing or zero")]
    MissingNarSize,
    /// The fingerprint needs the NAR size.
    #[error("cannot calculate fingerprint of path '{0}' because its size is not known")]
    UnknownNarSize(String),
    /// A signature naming a trusted key is malformed.
    #[error(transparent)]
    Signature(#[from] signature::Error),
}

impl Error {
    /// The entry the error is about, if it is about one.
    pub fn line(&self) -> Option<usize> {
        match self {
            Self::MissingColon { line }
            | Self::MissingNewline { line }
            | Self::NonAsciiSeparator { line }
            | Self::StorePathNotAbsolute { line, .. }
            | Self::StorePath { line, .. }
            | Self::Hash { line, .. }
            | Self::Size { line, .. }
            | Self::ExtraReferences { line }
            | Self::Reference { line, .. }
            | Self::Deriver { line, .. }
            | Self::ExtraCa { line }
            | Self::Ca { line, .. } => Some(*line),
            Self::MissingStorePath
            | Self::MissingNarHash
            | Self::MissingUrl
            | Self::MissingNarSize
            | Self::UnknownNarSize(_)
            | Self::Signature(_) => None,
        }
    }
}

/// How a parsed narinfo differs from what C++ Nix 2.26 writes, so that printing
/// reproduces it. [`Quirks::default`] is C++ Nix's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quirks {
    /// There was no `References` line (nix-serve and harmonia omit it when
    /// there are no references). Printed only while `references` is empty.
    pub references_missing: bool,
    /// The deriver was given as `Deriver: unknown-deriver`. Printed only while
    /// `deriver` is `None`.
    pub unknown_deriver: bool,
    /// The encoding of `NarHash` (old caches wrote base16).
    pub nar_hash_format: HashFormat,
    /// The encoding of `FileHash`.
    pub file_hash_format: HashFormat,
}

impl Default for Quirks {
    fn default() -> Self {
        Self {
            references_missing: false,
            unknown_deriver: false,
            nar_hash_format: HashFormat::Nix32,
            file_hash_format: HashFormat::Nix32,
        }
    }
}

/// A parsed `.narinfo`, borrowing from its text.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NarInfo<'a> {
    /// `StorePath`: the store path described.
    pub store_path: StorePathRef<'a>,
    /// `URL`: where the (compressed) NAR is, relative to the cache.
    pub url: Cow<'a, str>,
    /// `Compression`, as written. `None` (no line) and `Some("")` both mean
    /// bzip2; see [`NarInfo::compression_method`].
    pub compression: Option<&'a str>,
    /// `FileHash`: hash of the file at `URL`.
    pub file_hash: Option<NixHash>,
    /// `FileSize`: size of the file at `URL`.
    pub file_size: Option<u64>,
    /// `NarHash`: hash of the uncompressed NAR.
    pub nar_hash: NixHash,
    /// `NarSize`: size of the uncompressed NAR (never 0 once parsed).
    pub nar_size: u64,
    /// `References`, in input order (C++ Nix writes them sorted).
    pub references: Vec<StorePathRef<'a>>,
    /// `Deriver`.
    pub deriver: Option<StorePathRef<'a>>,
    /// `Sig` lines, unparsed and in input order (C++ Nix keeps any text here,
    /// and writes them sorted).
    pub signatures: Vec<Cow<'a, str>>,
    /// `CA`: the content address, if the path is content-addressed.
    pub ca: Option<CAHash>,
    /// Lines with keys C++ Nix 2.26 ignores (such as `System`), in input
    /// order. Printed after `Deriver`, where `System` used to be.
    pub extra_fields: Vec<(&'a str, &'a str)>,
    /// How the input deviated from C++ Nix's output.
    pub quirks: Quirks,
}

impl<'a> NarInfo<'a> {
    /// A narinfo with the required fields; the others are empty.
    pub fn new(
        store_path: StorePathRef<'a>,
        url: impl Into<Cow<'a, str>>,
        nar_hash: NixHash,
        nar_size: u64,
    ) -> Self {
        Self {
            store_path,
            url: url.into(),
            compression: None,
            file_hash: None,
            file_size: None,
            nar_hash,
            nar_size,
            references: Vec::new(),
            deriver: None,
            signatures: Vec::new(),
            ca: None,
            extra_fields: Vec::new(),
            quirks: Quirks::default(),
        }
    }

    /// Parses a narinfo as C++ Nix 2.26 does (see the [module docs](self)).
    pub fn parse(input: &'a str) -> Result<Self, Error> {
        parse::parse(input)
    }

    /// The compression method: `Compression`, or `bzip2` if it is missing or
    /// empty (as C++ Nix reads it).
    pub fn compression_method(&self) -> &'a str {
        match self.compression {
            None | Some("") => "bzip2",
            Some(c) => c,
        }
    }

    /// The value of the last `System` line (C++ Nix up to 2.3 wrote it).
    pub fn system(&self) -> Option<&'a str> {
        self.extra_fields
            .iter()
            .rev()
            .find(|(k, _)| *k == "System")
            .map(|(_, v)| *v)
    }

    /// Turns this into what C++ Nix 2.26 would print for it: explicit
    /// compression, references and signatures sorted without duplicates,
    /// nix32 hashes, and no `unknown-deriver`, missing `References` or unknown
    /// lines.
    pub fn canonicalize(&mut self) {
        self.compression = Some(self.compression_method());
        self.references.sort();
        self.references.dedup();
        self.signatures.sort();
        self.signatures.dedup();
        self.extra_fields.clear();
        self.quirks = Quirks::default();
    }

    /// The fingerprint the `Sig` lines sign (C++ Nix's
    /// `ValidPathInfo::fingerprint`).
    pub fn fingerprint(&self) -> Result<String, Error> {
        fingerprint(
            self.store_path,
            &self.nar_hash,
            self.nar_size,
            self.references.iter().copied(),
        )
    }

    /// Signs the fingerprint with `key` and adds the signature, keeping the
    /// signatures sorted and free of duplicates as C++ Nix does.
    pub fn add_signature(&mut self, key: &SecretKey) -> Result<(), Error> {
        let signature = key.sign(self.fingerprint()?.as_bytes());
        self.signatures.push(Cow::Owned(signature.to_string()));
        self.signatures.sort();
        self.signatures.dedup();
        Ok(())
    }

    /// The `Sig` lines, parsed.
    pub fn parsed_signatures(
        &self,
    ) -> impl Iterator<Item = Result<SignatureRef<'_>, signature::Error>> {
        self.signatures.iter().map(|s| SignatureRef::parse(s))
    }

    /// How many distinct `Sig` lines a trusted key verifies. A malformed
    /// signature naming a trusted key is an error, as in C++ Nix.
    pub fn valid_signatures(&self, keys: &TrustedKeys) -> Result<usize, Error> {
        let fingerprint = self.fingerprint()?;
        Ok(keys.count_valid(
            fingerprint.as_bytes(),
            self.signatures.iter().map(|s| s.as_ref()),
        )?)
    }

    /// Whether the path is what its `CA` field and references compute to, so
    /// that it needs no signature (C++ Nix's `isContentAddressed`). A content
    /// address that cannot have these references counts as not matching (C++
    /// Nix reports an error there).
    pub fn is_content_addressed(&self) -> bool {
        let Some(ca) = &self.ca else {
            return false;
        };
        let self_reference = self.references.contains(&self.store_path);
        let others = self
            .references
            .iter()
            .copied()
            .filter(|r| *r != self.store_path);
        if matches!(ca, CAHash::Text(_)) && self_reference {
            return false;
        }
        store_path::build_ca_path(self.store_path.name_str(), ca, others, self_reference)
            .is_ok_and(|p| p == self.store_path)
    }

    /// C++ Nix's `checkSignatures`: `usize::MAX` for a content-addressed path,
    /// otherwise the number of valid signatures.
    pub fn check_signatures(&self, keys: &TrustedKeys) -> Result<usize, Error> {
        if self.is_content_addressed() {
            return Ok(usize::MAX);
        }
        self.valid_signatures(keys)
    }

    fn write_hash(out: &mut String, hash: &NixHash, format: HashFormat) {
        if format == HashFormat::Nix32 {
            out.push_str(hash.algo().as_str());
            out.push(':');
            let mut buf = Vec::with_capacity(nixbase32::encode_len(hash.digest().len()));
            nixbase32::encode_into(hash.digest(), &mut buf);
            // nixbase32 output is ASCII.
            out.push_str(std::str::from_utf8(&buf).unwrap_or_default());
        } else {
            out.push_str(&hash.format(format, true));
        }
    }

    /// Appends the text form to `out` (what [`Display`](fmt::Display) prints).
    pub fn render_into(&self, out: &mut String) {
        out.push_str("StorePath: ");
        out.push_str(store_path::STORE_DIR_WITH_SLASH);
        push_basename(out, &self.store_path);
        out.push_str("\nURL: ");
        out.push_str(&self.url);
        out.push('\n');
        if let Some(c) = self.compression {
            out.push_str("Compression: ");
            out.push_str(c);
            out.push('\n');
        }
        if let Some(h) = &self.file_hash {
            out.push_str("FileHash: ");
            Self::write_hash(out, h, self.quirks.file_hash_format);
            out.push('\n');
        }
        if let Some(n) = self.file_size {
            out.push_str("FileSize: ");
            out.push_str(&n.to_string());
            out.push('\n');
        }
        out.push_str("NarHash: ");
        Self::write_hash(out, &self.nar_hash, self.quirks.nar_hash_format);
        out.push_str("\nNarSize: ");
        out.push_str(&self.nar_size.to_string());
        out.push('\n');
        if !self.references.is_empty() || !self.quirks.references_missing {
            out.push_str("References: ");
            for (i, r) in self.references.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                push_basename(out, r);
            }
            out.push('\n');
        }
        match &self.deriver {
            Some(d) => {
                out.push_str("Deriver: ");
                push_basename(out, d);
                out.push('\n');
            }
            None if self.quirks.unknown_deriver => out.push_str("Deriver: unknown-deriver\n"),
            None => {}
        }
        for (k, v) in &self.extra_fields {
            out.push_str(k);
            out.push_str(": ");
            out.push_str(v);
            out.push('\n');
        }
        for s in &self.signatures {
            out.push_str("Sig: ");
            out.push_str(s);
            out.push('\n');
        }
        if let Some(ca) = &self.ca {
            out.push_str("CA: ");
            out.push_str(&ca.to_string());
            out.push('\n');
        }
    }
}

fn push_basename(out: &mut String, path: &StorePathRef<'_>) {
    let mut buf = Vec::with_capacity(store_path::ENCODED_DIGEST_SIZE);
    nixbase32::encode_into(path.digest(), &mut buf);
    // nixbase32 output is ASCII.
    out.push_str(std::str::from_utf8(&buf).unwrap_or_default());
    out.push('-');
    out.push_str(path.name_str());
}

/// The narinfo text: C++ Nix's field order, with the [`Quirks`] and extra
/// fields of a parsed input.
#[cfg(feature = "serde")]
impl NarInfo<'_> {
    /// What `nix path-info --json --store <cache>` (2.26) prints for the path
    /// this narinfo describes: sets of references and signatures, hashes in
    /// SRI, `downloadHash`/`downloadSize` only when the narinfo has them (a
    /// zero `FileSize` counts as absent), no registration time.
    #[must_use]
    pub fn to_path_info_json(&self) -> serde_json::Value {
        let references: std::collections::BTreeSet<String> = self
            .references
            .iter()
            .map(|r| r.to_absolute_path())
            .collect();
        let signatures: std::collections::BTreeSet<&str> =
            self.signatures.iter().map(|s| s.as_ref()).collect();
        let mut obj = serde_json::Map::new();
        obj.insert("ca".into(), self.ca.as_ref().map(|c| c.to_string()).into());
        obj.insert("compression".into(), self.compression_method().into());
        obj.insert(
            "deriver".into(),
            self.deriver.map(|d| d.to_absolute_path()).into(),
        );
        if let Some(h) = &self.file_hash {
            obj.insert("downloadHash".into(), h.to_sri().into());
        }
        if let Some(n) = self.file_size.filter(|n| *n != 0) {
            obj.insert("downloadSize".into(), n.into());
        }
        obj.insert("narHash".into(), self.nar_hash.to_sri().into());
        obj.insert("narSize".into(), self.nar_size.into());
        obj.insert("references".into(), references.into_iter().collect());
        obj.insert("registrationTime".into(), serde_json::Value::Null);
        obj.insert("signatures".into(), signatures.into_iter().collect());
        obj.insert("ultimate".into(), false.into());
        obj.insert("url".into(), self.url.as_ref().into());
        serde_json::Value::Object(obj)
    }
}

impl fmt::Display for NarInfo<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::with_capacity(512 + 64 * self.references.len());
        self.render_into(&mut s);
        f.write_str(&s)
    }
}

/// The signature fingerprint of a path,
/// `1;<path>;<nar hash as algo:nix32>;<nar size>;<references>`, the references
/// absolute, sorted, de-duplicated and comma-separated (C++ Nix's
/// `ValidPathInfo::fingerprint`). A NAR size of 0 is an error, as there.
pub fn fingerprint<'r>(
    store_path: StorePathRef<'_>,
    nar_hash: &NixHash,
    nar_size: u64,
    references: impl IntoIterator<Item = StorePathRef<'r>>,
) -> Result<String, Error> {
    if nar_size == 0 {
        return Err(Error::UnknownNarSize(store_path.to_absolute_path()));
    }
    let mut refs: Vec<StorePathRef<'r>> = references.into_iter().collect();
    refs.sort();
    refs.dedup();
    let mut out = String::with_capacity(160 + 80 * refs.len());
    out.push_str("1;");
    out.push_str(store_path::STORE_DIR_WITH_SLASH);
    push_basename(&mut out, &store_path);
    out.push(';');
    NarInfo::write_hash(&mut out, nar_hash, HashFormat::Nix32);
    out.push(';');
    out.push_str(&nar_size.to_string());
    out.push(';');
    for (i, r) in refs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(store_path::STORE_DIR_WITH_SLASH);
        push_basename(&mut out, r);
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
