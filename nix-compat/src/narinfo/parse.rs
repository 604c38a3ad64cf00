//! The narinfo parser: a line-for-line transcription of the semantics of C++
//! Nix 2.26's `NarInfo::NarInfo(store, s, whence)` (see the module docs of
//! [`super`] for the rules), borrowing every string from the input.

use std::borrow::Cow;

use super::{Error, NarInfo, Quirks};
use crate::{
    nixbase32,
    nixhash::{CAHash, HashFormat, NixHash},
    store_path::{self, STORE_DIR_WITH_SLASH, StorePathRef},
};

pub(super) fn parse(s: &str) -> Result<NarInfo<'_>, Error> {
    let mut store_path: Option<StorePathRef<'_>> = None;
    let mut url = "";
    let mut compression = None;
    let mut file_hash = None;
    let mut file_size = None;
    let mut nar_hash: Option<NixHash> = None;
    let mut nar_size = 0u64;
    let mut references = Vec::new();
    let mut references_seen = false;
    let mut deriver = None;
    let mut signatures = Vec::new();
    let mut ca = None;
    let mut extra_fields = Vec::new();
    let mut quirks = Quirks::default();

    let mut line = 1usize;
    let mut pos = 0usize;
    while pos < s.len() {
        let rest = &s[pos..];
        let colon = rest.find(':').ok_or(Error::MissingColon { line })?;
        let name = &rest[..colon];
        // C++ Nix skips the byte after the colon, whatever it is, and searches
        // the end of line from there.
        let value_start = colon + 2;
        let eol = rest
            .as_bytes()
            .get(value_start..)
            .and_then(|tail| tail.iter().position(|&b| b == b'\n'))
            .ok_or(Error::MissingNewline { line })?
            + value_start;
        let value = rest
            .get(value_start..eol)
            .ok_or(Error::NonAsciiSeparator { line })?;

        match name {
            "StorePath" => {
                if !value.starts_with('/') {
                    return Err(Error::StorePathNotAbsolute {
                        line,
                        path: value.to_owned(),
                    });
                }
                store_path = Some(
                    parse_store_path(value).map_err(|source| Error::StorePath { line, source })?,
                );
            }
            "URL" => url = value,
            "Compression" => compression = Some(value),
            "FileHash" => {
                let (hash, format) = parse_hash(value, line, "FileHash")?;
                file_hash = Some(hash);
                quirks.file_hash_format = format;
            }
            "FileSize" => file_size = Some(parse_size(value, line, "FileSize")?),
            "NarHash" => {
                let (hash, format) = parse_hash(value, line, "NarHash")?;
                nar_hash = Some(hash);
                quirks.nar_hash_format = format;
            }
            "NarSize" => nar_size = parse_size(value, line, "NarSize")?,
            "References" => {
                if !references.is_empty() {
                    return Err(Error::ExtraReferences { line });
                }
                references_seen = true;
                for r in value.split(' ').filter(|r| !r.is_empty()) {
                    references.push(
                        StorePathRef::from_bytes(r.as_bytes())
                            .map_err(|source| Error::Reference { line, source })?,
                    );
                }
            }
            "Deriver" => {
                if value == "unknown-deriver" {
                    // C++ Nix leaves an earlier Deriver in place.
                    quirks.unknown_deriver = true;
                } else {
                    deriver = Some(
                        StorePathRef::from_bytes(value.as_bytes())
                            .map_err(|source| Error::Deriver { line, source })?,
                    );
                }
            }
            "Sig" => signatures.push(Cow::Borrowed(value)),
            "CA" => {
                if ca.is_some() {
                    return Err(Error::ExtraCa { line });
                }
                if !value.is_empty() {
                    ca = Some(CAHash::parse(value).map_err(|source| Error::Ca { line, source })?);
                }
            }
            _ => extra_fields.push((name, value)),
        }

        pos += eol + 1;
        line += 1;
    }

    let store_path = store_path.ok_or(Error::MissingStorePath)?;
    let nar_hash = nar_hash.ok_or(Error::MissingNarHash)?;
    if url.is_empty() {
        return Err(Error::MissingUrl);
    }
    if nar_size == 0 {
        return Err(Error::MissingNarSize);
    }
    quirks.references_missing = !references_seen;
    // Only printed without a deriver: an earlier or later real one wins.
    quirks.unknown_deriver &= deriver.is_none();

    Ok(NarInfo {
        store_path,
        url: Cow::Borrowed(url),
        compression,
        file_hash,
        file_size,
        nar_hash,
        nar_size,
        references,
        deriver,
        signatures,
        ca,
        extra_fields,
        quirks,
    })
}

/// `parseStorePath` of an absolute path: the value is canonicalised as a path
/// (`//`, `.`, `..`, trailing `/`), then must be directly inside the store
/// directory.
fn parse_store_path(value: &str) -> Result<StorePathRef<'_>, store_path::Error> {
    if let Some(base) = value.strip_prefix(STORE_DIR_WITH_SLASH) {
        if !base.contains('/') && base != "." && base != ".." {
            return StorePathRef::from_bytes(base.as_bytes());
        }
    }
    let mut components: Vec<&str> = Vec::new();
    for c in value.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                components.pop();
            }
            c => components.push(c),
        }
    }
    match components.as_slice() {
        ["nix", "store", base] => StorePathRef::from_bytes(base.as_bytes()),
        _ => Err(store_path::Error::NotInStore(format!(
            "/{}",
            components.join("/")
        ))),
    }
}

/// `Hash::parseAnyPrefixed`, also telling which encoding the digest used.
fn parse_hash(
    value: &str,
    line: usize,
    field: &'static str,
) -> Result<(NixHash, HashFormat), Error> {
    let hash = NixHash::parse_prefixed(value).map_err(|source| Error::Hash {
        line,
        field,
        source,
    })?;
    let digest_len = hash.algo().digest_len();
    let format = match value.split_once(':') {
        None => HashFormat::Sri,
        Some((_, d)) if d.len() == digest_len * 2 => HashFormat::Base16,
        Some((_, d)) if d.len() == nixbase32::encode_len(digest_len) => HashFormat::Nix32,
        Some(_) => HashFormat::Base64,
    };
    Ok((hash, format))
}

/// `string2Int<uint64_t>` (boost `lexical_cast`): an optional `+`, then one or
/// more decimal digits, within range.
fn parse_size(value: &str, line: usize, field: &'static str) -> Result<u64, Error> {
    let digits = value.strip_prefix('+').unwrap_or(value);
    let invalid = || Error::Size {
        line,
        field,
        value: value.to_owned(),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    digits.parse().map_err(|_| invalid())
}
