//! `builtins.fetchurl` and `builtins.fetchTarball`, as C++ Nix 2.26's
//! `fetch` primop: the URL (`file://`, `http://`, `https://`) is downloaded,
//! stored flat (`fetchurl`: a fixed-output `sha256` path) or unpacked into
//! castore (`fetchTarball`: any of plain, gzip, bzip2, xz or zstd tar, with a
//! single top-level directory stripped; a NAR-hashed source path named
//! `source`), and checked against `sha256` when given.
//!
//! Caching: a pinned fetch (with `sha256`) whose path is already in the store
//! downloads nothing, across evaluations (C++ Nix does the same); within one
//! evaluation every URL is fetched once. Unpinned fetches are downloaded
//! again by the next evaluation.

use std::{cell::RefCell, collections::HashMap, rc::Rc};

use nix_compat::{
    nixhash::{CAHash, HashFormat, NixHash},
    store_path::{self, StorePath, validate_name},
};
use sha2::{Digest, Sha256};
use tvix_castore::{Node, import::tar::TarImportError};
use tvix_eval::{Builtin, Error, Evaluator, Pos, Result, Value};

use crate::{
    Glue,
    builtins::{base_name, parse_sha256, store_path_value},
    io::store_error,
    store::{StoreError, file_nar},
};

/// Why a download or unpacking failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The URL does not parse or names no file (C++ Nix's `BadURL`).
    #[error("'{0}' is not a valid URL")]
    Url(String),
    /// The URL's scheme is not supported; worded as C++ Nix reports curl's
    /// error 1 (we support file, http and https).
    #[error("unable to download '{0}': Unsupported protocol (1) Protocol \"{1}\" not supported")]
    Scheme(String, String),
    /// The URL's host name does not resolve; worded as C++ Nix reports
    /// curl's error 6.
    #[error("unable to download '{0}': Could not resolve hostname (6) Could not resolve host: {1}")]
    Resolve(String, String),
    /// Reading a `file://` URL failed.
    #[error("unable to download '{0}'")]
    File(String, #[source] std::io::Error),
    /// A `file://` URL names no file that can be opened; worded as C++ Nix
    /// reports curl's error 37.
    #[error("unable to download '{0}': Could not read a file:// file (37) Couldn't open file {1}")]
    FileUnreadable(String, String),
    /// The HTTP request failed.
    #[error("unable to download '{0}'")]
    Http(String, #[source] reqwest::Error),
    /// The server answered with an error status.
    #[error("unable to download '{0}': HTTP error {1}")]
    Status(String, u16),
    /// The archive could not be unpacked.
    #[error("cannot unpack '{0}'")]
    Tar(String, #[source] TarImportError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Paths fetched in this evaluation: (unpack, URL, name) → path.
#[derive(Default)]
pub(crate) struct Fetched(RefCell<HashMap<(bool, String, String), StorePath<String>>>);

/// `fetchurl` and `fetchTarball` over `glue`.
pub(crate) fn fetch_builtins(glue: &Rc<Glue>) -> Vec<Builtin> {
    let g = glue.clone();
    let fetchurl = Builtin::function("fetchurl", 1, move |ev, pos, args| {
        fetch(&g, ev, pos, &args[0], "fetchurl", false, "")
    });
    let g = glue.clone();
    let fetch_tarball = Builtin::function("fetchTarball", 1, move |ev, pos, args| {
        fetch(&g, ev, pos, &args[0], "fetchTarball", true, "source")
    });
    vec![fetchurl, fetch_tarball]
}

fn text(ev: &Evaluator, v: &Value, pos: Pos, ctx: &str) -> Result<String> {
    Ok(ev
        .string_no_ctx(v, pos)
        .map_err(|e| e.with_trace(pos, ctx))?
        .to_str_lossy()
        .into_owned())
}

fn fetch(
    glue: &Glue,
    ev: &Evaluator,
    pos: Pos,
    arg: &Value,
    who: &str,
    unpack: bool,
    default_name: &str,
) -> Result<Value> {
    let arg = ev.force(arg, pos)?;
    let mut url = None;
    let mut expected = None;
    let mut name = default_name.to_owned();
    let mut name_passed = false;
    let is_attrs = matches!(arg, Value::Attrs(_));
    if let Value::Attrs(attrs) = &arg {
        for attr in attrs.iter() {
            match attr.name.as_bytes() {
                b"url" => {
                    url = Some(text(
                        ev,
                        &attr.value,
                        attr.pos,
                        "while evaluating the url we should fetch",
                    )?)
                }
                b"sha256" => {
                    let s = text(
                        ev,
                        &attr.value,
                        attr.pos,
                        "while evaluating the sha256 of the content we should fetch",
                    )?;
                    expected = Some(parse_sha256(ev, &s).map_err(|e| e.at(attr.pos))?);
                }
                b"name" => {
                    name_passed = true;
                    name = text(
                        ev,
                        &attr.value,
                        attr.pos,
                        "while evaluating the name of the content we should fetch",
                    )?;
                }
                other => {
                    return Err(Error::eval(format!(
                        "unsupported argument '{}' to '{who}'",
                        String::from_utf8_lossy(other)
                    ))
                    .at(pos));
                }
            }
        }
    } else {
        url = Some(text(
            ev,
            &arg,
            pos,
            "while evaluating the url we should fetch",
        )?);
    }
    let Some(url) = url else {
        return Err(Error::eval("'url' argument required").at(pos));
    };
    if name.is_empty() {
        name = base_name(url.as_bytes());
    }
    if let Err(e) = validate_name(name.as_bytes()) {
        let resolution = if name_passed {
            format!(
                "Please change the value for the 'name' attribute passed to '{who}', so that it can create a valid store path."
            )
        } else if is_attrs {
            format!(
                "Please add a valid 'name' attribute to the argument for '{who}', so that it can create a valid store path."
            )
        } else {
            format!(
                "Please pass an attribute set with 'url' and 'name' attributes to '{who}',  so that it can create a valid store path."
            )
        };
        return Err(Error::eval(format!(
            "invalid store path name when fetching URL '{url}': {e}. {resolution}"
        ))
        .at(pos));
    }

    if ev.is_pure() && expected.is_none() {
        return Err(Error::eval(format!(
            "in pure evaluation mode, '{who}' requires a 'sha256' argument"
        ))
        .at(pos));
    }

    // A pinned fetch already in the store downloads nothing.
    if let Some(h @ NixHash::Sha256(_)) = &expected {
        let ca = if unpack {
            CAHash::Nar(h.clone())
        } else {
            CAHash::Flat(h.clone())
        };
        let p = store_path::build_ca_path(&name, &ca, std::iter::empty(), false)
            .map_err(|e| Error::eval(e.to_string()).at(pos))?;
        if glue
            .store()
            .path_info(&p)
            .map_err(|e| store_error(&e).at(pos))?
            .is_some()
        {
            return Ok(store_path_value(&p));
        }
    }

    let key = (unpack, url.clone(), name.clone());
    let memo = glue.fetched.0.borrow().get(&key).cloned();
    let (path, got) = match memo {
        Some(p) => {
            let got = glue
                .store()
                .path_info(&p)
                .map_err(|e| store_error(&e).at(pos))?
                .map(|i| i.nar_sha256);
            (p, got)
        }
        None => {
            let kind = if unpack { "tarball" } else { "file" };
            let (p, got) = match cached(glue, kind, &url, &name) {
                Some(c) => (c.path, c.nar_sha256),
                None => {
                    let (p, got) = download_to_store(glue, &url, &name, unpack)
                        .map_err(|e| fetch_error(&e).at(pos))?;
                    remember(glue, kind, &url, &name, &p, got, None);
                    (p, got)
                }
            };
            glue.fetched.0.borrow_mut().insert(key, p.clone());
            (p, Some(got))
        }
    };
    if let Some(h) = expected {
        // For fetchurl, `got` is the flat SHA-256 of the file.
        let got = if unpack {
            got.map(NixHash::Sha256)
        } else {
            flat_hash(glue, &path).ok()
        };
        if got.as_ref() != Some(&h) {
            return Err(Error::eval(format!(
                "hash mismatch in file downloaded from '{url}':\n  specified: {}\n  got:       {}",
                h.format(HashFormat::Nix32, true),
                got.map(|g| g.format(HashFormat::Nix32, true))
                    .unwrap_or_default()
            ))
            .at(pos)
            .with_exit_status(HASH_MISMATCH_STATUS));
        }
    }
    Ok(store_path_value(&path))
}

/// The SHA-256 of a flat file in the store.
fn flat_hash(glue: &Glue, p: &StorePath<String>) -> std::result::Result<NixHash, StoreError> {
    match glue.store().node_at(p, &[])? {
        Some(Node::File { digest, .. }) => {
            let bytes = glue.store().blob(&digest)?;
            Ok(NixHash::Sha256(Sha256::digest(&bytes).into()))
        }
        _ => Err(StoreError::Missing(p.to_absolute_path())),
    }
}

pub(crate) fn fetch_error(e: &FetchError) -> Error {
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    Error::eval(msg)
}

/// Downloads `url` and adds it; returns the path and its NAR SHA-256.
fn download_to_store(
    glue: &Glue,
    url: &str,
    name: &str,
    unpack: bool,
) -> std::result::Result<(StorePath<String>, [u8; 32]), FetchError> {
    let bytes = if unpack {
        download(glue, url)?
    } else {
        download_as_curl(glue, url)?
    };
    let store = glue.store();
    if !unpack {
        let ca = CAHash::Flat(NixHash::Sha256(Sha256::digest(&bytes).into()));
        let nar = file_nar(&bytes, false).map_err(|e| FetchError::File(url.to_owned(), e))?;
        let nar_sha256: [u8; 32] = Sha256::digest(&nar).into();
        let p = store.add_nar(name, ca, &nar, &[])?;
        return Ok((p, nar_sha256));
    }
    add_tarball(glue, url, name, &bytes)
}

/// Imports a tarball's bytes as the NAR-hashed source path `name`.
fn add_tarball(
    glue: &Glue,
    url: &str,
    name: &str,
    bytes: &[u8],
) -> std::result::Result<(StorePath<String>, [u8; 32]), FetchError> {
    let store = glue.store();
    let root = store
        .import_tar(bytes)?
        .map_err(|e| FetchError::Tar(url.to_owned(), e))?;
    // A single top-level directory is the root of the result.
    let root = match &root {
        Node::Directory { digest, .. } => {
            let dir = store.directory(digest)?;
            let mut entries = dir.entries();
            match (entries.next(), entries.next()) {
                (Some((_, n @ Node::Directory { .. })), None) => n.clone(),
                _ => root.clone(),
            }
        }
        _ => root,
    };
    Ok(store.add_tree(name, root)?)
}

/// The bytes at `url`, which must be a URL (C++ Nix's fetchers parse it
/// first).
pub(crate) fn download(glue: &Glue, url: &str) -> std::result::Result<Vec<u8>, FetchError> {
    let parsed = url::Url::parse(url).map_err(|_| FetchError::Url(url.to_owned()))?;
    download_parsed(glue, url, parsed)
}

/// The bytes at `url` as C++ Nix's `fetchurl` gets them: it hands the
/// string to curl, which takes one without a scheme for an HTTP URL.
fn download_as_curl(glue: &Glue, url: &str) -> std::result::Result<Vec<u8>, FetchError> {
    let parsed = url::Url::parse(url)
        .or_else(|_| url::Url::parse(&format!("http://{url}")))
        .map_err(|_| FetchError::Url(url.to_owned()))?;
    download_parsed(glue, url, parsed)
}

fn download_parsed(
    glue: &Glue,
    url: &str,
    parsed: url::Url,
) -> std::result::Result<Vec<u8>, FetchError> {
    match parsed.scheme() {
        "file" => {
            let path = parsed
                .to_file_path()
                .map_err(|()| FetchError::Url(url.to_owned()))?;
            std::fs::read(&path).map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied => {
                    FetchError::FileUnreadable(url.to_owned(), path.display().to_string())
                }
                _ => FetchError::File(url.to_owned(), e),
            })
        }
        "http" | "https" => glue.store().handle().block_on(async {
            let host = parsed.host_str().unwrap_or_default().to_owned();
            let resp = reqwest::get(parsed).await.map_err(|e| {
                if is_dns_error(&e) {
                    FetchError::Resolve(url.to_owned(), host)
                } else {
                    FetchError::Http(url.to_owned(), e)
                }
            })?;
            let status = resp.status();
            if !status.is_success() {
                return Err(FetchError::Status(url.to_owned(), status.as_u16()));
            }
            let body = resp
                .bytes()
                .await
                .map_err(|e| FetchError::Http(url.to_owned(), e))?;
            Ok(body.to_vec())
        }),
        scheme => Err(FetchError::Scheme(url.to_owned(), scheme.to_owned())),
    }
}

/// True if a request failed because its host name did not resolve (hyper's
/// connector reports "dns error" somewhere in the chain of sources).
fn is_dns_error(e: &reqwest::Error) -> bool {
    let mut src: Option<&dyn std::error::Error> = Some(e);
    while let Some(s) = src {
        if s.to_string().starts_with("dns error") {
            return true;
        }
        src = s.source();
    }
    false
}

/// The decompressed stream of a tar archive (plain, gzip, bzip2, xz, zstd).
fn decompressed(bytes: &[u8]) -> Box<dyn tokio::io::AsyncRead + Unpin + Send + '_> {
    use async_compression::tokio::bufread as dec;
    if bytes.starts_with(&[0x1f, 0x8b]) {
        Box::new(dec::GzipDecoder::new(bytes))
    } else if bytes.starts_with(b"BZh") {
        Box::new(dec::BzDecoder::new(bytes))
    } else if bytes.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        Box::new(dec::XzDecoder::new(bytes))
    } else if bytes.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Box::new(dec::ZstdDecoder::new(bytes))
    } else {
        Box::new(bytes)
    }
}

/// The newest modification time of the entries of a tar archive
/// (`fetchTree`'s `lastModified` of a tarball).
fn tar_last_modified(glue: &Glue, bytes: &[u8]) -> i64 {
    use futures::StreamExt;
    glue.store().handle().block_on(async {
        let mut archive = tokio_tar::Archive::new(decompressed(bytes));
        let Ok(mut entries) = archive.entries() else {
            return 0;
        };
        let mut newest = 0i64;
        while let Some(Ok(e)) = entries.next().await {
            if let Ok(t) = e.header().mtime() {
                newest = newest.max(i64::try_from(t).unwrap_or(0));
            }
        }
        newest
    })
}

/// The newest modification time in a local tree (symlinks not followed).
fn tree_last_modified(path: &std::path::Path) -> i64 {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return 0;
    };
    let own = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs() as i64);
    if !meta.is_dir() {
        return own;
    }
    let children = std::fs::read_dir(path)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| tree_last_modified(&e.path()))
                .max()
                .unwrap_or(0)
        })
        .unwrap_or(0);
    own.max(children)
}

/// The `fetchTree` type a URL string names: `git+…`, `hg+…`, `path:…`, `file+…`
/// (a file, whatever its extension), anything else a tarball (as C++ Nix
/// 2.26 takes a plain `file://` URL).
pub(crate) fn tree_type_of_url(url: &str) -> &'static str {
    if url.starts_with("git+") {
        "git"
    } else if url.starts_with("hg+") {
        "hg"
    } else if url.starts_with("path:") {
        "path"
    } else if url.starts_with("file+") {
        "file"
    } else {
        "tarball"
    }
}

/// `fetchTree` of type `file`, `tarball` or `path`.
/// C++ Nix's `Input::getNarHash`: an SRI hash (the empty string is a zero
/// SHA-256), which must be SHA-256 (a usage error otherwise).
/// C++ Nix's `checkLocks` for a given `narHash`: the fetched tree's must be
/// the same (`input` as C++ Nix shows it).
pub(crate) fn check_nar_hash(input: &str, expected: &NixHash, got: &NixHash) -> Result<()> {
    if expected == got {
        return Ok(());
    }
    Err(Error::eval(format!(
        "NAR hash mismatch in input '{input}', expected '{}' but got '{}'",
        expected.to_sri(),
        got.to_sri()
    ))
    .with_exit_status(HASH_MISMATCH_STATUS))
}

/// C++ Nix's `Input::getRev`: a `rev` attribute is a hash with its
/// algorithm (`sha256:…`, SRI), or else a SHA-1 in any encoding; its
/// errors are C++ Nix's ("hash 'abc' has wrong length for hash algorithm
/// 'sha1'"). Shown as `gitRev`, the hash in base 16.
pub(crate) fn parse_rev(rev: &str) -> Result<NixHash> {
    NixHash::parse_prefixed(rev)
        .or_else(|_| NixHash::parse(rev, Some(nix_compat::nixhash::HashAlgo::Sha1)))
        .map_err(|e| Error::eval(e.to_string()))
}

/// The exit status of `nix-instantiate` after a hash mismatch of a fetch.
const HASH_MISMATCH_STATUS: u8 = 102;

/// C++ Nix's `checkLocks` error for a `revCount` that is not the fetched
/// revision's (`input` as C++ Nix shows the result).
pub(crate) fn rev_count_mismatch(input: &str, expected: i64) -> Error {
    Error::eval(format!(
        "'revCount' attribute mismatch in input '{input}', expected {expected}"
    ))
}

pub(crate) fn parse_nar_hash(s: &str) -> Result<NixHash> {
    if s.is_empty() {
        return Ok(NixHash::Sha256([0; 32]));
    }
    let h = NixHash::parse_sri(s).map_err(|e| match e {
        nix_compat::nixhash::Error::UnknownAlgo(_) => Error::usage(e.to_string()),
        _ => Error::eval(e.to_string()),
    })?;
    match h {
        NixHash::Sha256(_) => Ok(h),
        _ => Err(Error::usage("narHash must use SHA-256")),
    }
}

/// Percent-encodes a URL query value as C++ Nix's `encodeQuery` does.
fn query_encode(v: &str) -> String {
    let mut out = String::new();
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~!$'()*,;:@/?".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A path input as C++ Nix's `Input::to_string` shows it:
/// `path:PATH?NAME=VALUE&...`, the attributes other than `type` and `path`
/// in name order.
fn path_input_url(ev: &Evaluator, path: &str, attrs: &[(Vec<u8>, Value, Pos)]) -> Result<String> {
    let mut params: Vec<(&[u8], String)> = Vec::new();
    for (name, value, apos) in attrs {
        if matches!(name.as_slice(), b"type" | b"path" | b"__final") {
            continue;
        }
        let shown = match ev.force(value, *apos)? {
            Value::Int(i) => i.to_string(),
            Value::Bool(tvix_eval::AlignedBool(b)) => u8::from(b).to_string(),
            v => text(ev, &v, *apos, "while evaluating an input attribute")?,
        };
        params.push((name.as_slice(), shown));
    }
    params.sort_by(|a, b| a.0.cmp(b.0));
    let query: Vec<String> = params
        .iter()
        .map(|(n, v)| format!("{}={}", String::from_utf8_lossy(n), query_encode(v)))
        .collect();
    Ok(if query.is_empty() {
        format!("path:{path}")
    } else {
        format!("path:{path}?{}", query.join("&"))
    })
}

pub(crate) fn fetch_tree(
    glue: &Glue,
    ev: &Evaluator,
    pos: Pos,
    ty: &str,
    attrs: &[(Vec<u8>, Value, Pos)],
) -> Result<Value> {
    // C++ Nix's `Input::fromAttrs`: names (in byte order) the input scheme
    // does not know are refused before anything is fetched.
    let allowed: &[&[u8]] = if ty == "path" {
        &[b"path", b"rev", b"revCount", b"lastModified", b"narHash"]
    } else {
        &[
            b"type",
            b"url",
            b"narHash",
            b"name",
            b"unpack",
            b"rev",
            b"revCount",
            b"lastModified",
        ]
    };
    let mut names: Vec<&[u8]> = attrs.iter().map(|(n, _, _)| n.as_slice()).collect();
    names.sort_unstable();
    if let Some(bad) = names
        .iter()
        .find(|n| !matches!(**n, b"type" | b"__final") && !allowed.contains(n))
    {
        return Err(Error::eval(format!(
            "input attribute '{}' not supported by scheme '{ty}'",
            String::from_utf8_lossy(bad)
        )));
    }
    let mut url = None;
    let mut nar_hash = None;
    // A locked path input (as flake.lock records it) states these; C++ Nix
    // returns them as given.
    let mut given_last_modified = None;
    let mut given_rev = None;
    let mut given_rev_count = None;
    for (name, value, apos) in attrs {
        match name.as_slice() {
            b"type" => {}
            b"lastModified" if ty == "path" => {
                given_last_modified = Some(ev.expect_int(
                    value,
                    *apos,
                    "while evaluating the lastModified attribute",
                )?);
            }
            b"rev" if ty == "path" => {
                given_rev = Some(text(
                    ev,
                    value,
                    *apos,
                    "while evaluating the rev attribute",
                )?);
            }
            b"revCount" if ty == "path" => {
                given_rev_count =
                    Some(ev.expect_int(value, *apos, "while evaluating the revCount attribute")?);
            }
            b"url" | b"path" => {
                let u = match &ev.force(value, *apos)? {
                    Value::Path(p) => p.to_str_lossy().into_owned(),
                    v => text(ev, v, *apos, "while evaluating the url")?,
                };
                let u = u
                    .strip_prefix("file+")
                    .or_else(|| u.strip_prefix("tarball+"))
                    .or_else(|| u.strip_prefix("path:"))
                    .map_or(u.clone(), str::to_owned);
                url = Some(u);
            }
            b"narHash" => {
                nar_hash = Some(text(ev, value, *apos, "while evaluating the narHash")?);
            }
            other => {
                return Err(Error::eval(format!(
                    "unsupported {ty} input attribute '{}'",
                    String::from_utf8_lossy(other)
                ))
                .at(*apos));
            }
        }
    }
    let Some(url) = url else {
        return Err(Error::eval(format!(
            "'fetchTree' of type '{ty}' requires a '{}' attribute",
            if ty == "path" { "path" } else { "url" }
        ))
        .at(pos));
    };
    // C++ Nix reports what goes wrong while fetching a path input (and a
    // NAR hash mismatch of any input) under a frame naming the input as its
    // URL.
    let input = if ty == "path" {
        Some(path_input_url(ev, &url, attrs)?)
    } else {
        None
    };
    // C++ Nix's `isLocked` for these types: a `narHash` is given.
    if ev.is_pure() && nar_hash.is_none() {
        let shown = input.as_deref().unwrap_or(&url);
        return Err(Error::eval(format!(
            "in pure evaluation mode, 'fetchTree' will not fetch unlocked input '{shown}'"
        ))
        .at(pos));
    }
    let in_frame = |e: Error| match &input {
        Some(i) => e.with_trace(Pos::NONE, format!("while fetching the input '{i}'")),
        None => e,
    };
    let nar_hash = nar_hash
        .as_deref()
        .map(parse_nar_hash)
        .transpose()
        .map_err(in_frame)?;
    let (path, sha, last_modified) = match ty {
        "file" | "tarball" => {
            let kind = if ty == "file" {
                "tree-file"
            } else {
                "tree-tarball"
            };
            match cached(glue, kind, &url, "source") {
                Some(c) => (c.path, c.nar_sha256, c.last_modified),
                None => {
                    let bytes = download(glue, &url).map_err(|e| fetch_error(&e).at(pos))?;
                    let (p, sha, lm) = if ty == "file" {
                        let nar = file_nar(&bytes, false)
                            .map_err(|e| Error::eval(e.to_string()).at(pos))?;
                        let sha: [u8; 32] = Sha256::digest(&nar).into();
                        let p = glue
                            .store()
                            .add_nar("source", crate::store::nar_ca(&nar), &nar, &[])
                            .map_err(|e| store_error(&e).at(pos))?;
                        (p, sha, None)
                    } else {
                        let (p, sha) = add_tarball(glue, &url, "source", &bytes)
                            .map_err(|e| fetch_error(&e).at(pos))?;
                        (p, sha, Some(tar_last_modified(glue, &bytes)))
                    };
                    remember(glue, kind, &url, "source", &p, sha, lm);
                    (p, sha, lm)
                }
            }
        }
        _ => {
            let local = url.clone();
            let root = std::path::Path::new(&local);
            if std::fs::symlink_metadata(root).is_err() {
                // C++ Nix shows the path under its accessor's root: `//x`.
                return Err(in_frame(Error::eval(format!(
                    "path '/{local}' does not exist"
                ))));
            }
            let nar = crate::import::dump(root, None).map_err(in_frame)?;
            let sha: [u8; 32] = Sha256::digest(&nar).into();
            let p = glue
                .store()
                .add_nar("source", crate::store::nar_ca(&nar), &nar, &[])
                .map_err(|e| store_error(&e).at(pos))?;
            (p, sha, Some(tree_last_modified(root)))
        }
    };
    let got = NixHash::Sha256(sha);
    if let Some(expected) = nar_hash {
        let shown = match &input {
            Some(i) => i.clone(),
            None => format!("{url}?narHash={}", query_encode(&expected.to_sri())),
        };
        check_nar_hash(&shown, &expected, &got)
            .map_err(|e| e.with_trace(Pos::NONE, format!("while fetching the input '{shown}'")))?;
    }
    let given_rev = given_rev
        .map(|r| parse_rev(&r).map(|h| h.to_base16()).map_err(in_frame))
        .transpose()?;
    let mut out = vec![
        ("narHash", Value::string(got.to_sri())),
        ("outPath", store_path_value(&path)),
    ];
    if let Some(rev) = given_rev {
        out.push((
            "shortRev",
            Value::string(rev.chars().take(7).collect::<String>()),
        ));
        out.push(("rev", Value::string(rev)));
    }
    if let Some(n) = given_rev_count {
        out.push(("revCount", Value::Int(n)));
    }
    if let Some(t) = given_last_modified.or(last_modified) {
        out.push(("lastModified", Value::Int(t)));
        out.push((
            "lastModifiedDate",
            Value::string(crate::git::date_string(t)),
        ));
    }
    Ok(crate::builtins::attrs_value(out))
}

/// How long a download is reused without being fetched again (C++ Nix's
/// default `tarball-ttl`).
pub(crate) const CACHE_TTL_SECS: u64 = 3600;

/// A download remembered in the fetch cache.
struct Cached {
    path: StorePath<String>,
    nar_sha256: [u8; 32],
    last_modified: Option<i64>,
}

pub(crate) fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

pub(crate) fn cache_file(
    glue: &Glue,
    kind: &str,
    url: &str,
    name: &str,
) -> Option<std::path::PathBuf> {
    let dir = glue.fetch_cache.borrow().clone()?;
    let key = Sha256::digest(format!("{kind}\0{url}\0{name}").as_bytes());
    Some(dir.join(NixHash::Sha256(key.into()).to_base16()))
}

/// A download of `url` younger than the TTL whose path is still in the
/// store. The cache file holds the store path, the NAR SHA-256 (hex), the
/// `lastModified` (or `-`) and the time of the download, one per line.
fn cached(glue: &Glue, kind: &str, url: &str, name: &str) -> Option<Cached> {
    let text = std::fs::read_to_string(cache_file(glue, kind, url, name)?).ok()?;
    let mut lines = text.lines();
    let path = tvix_store::parse_absolute(lines.next()?).ok()?;
    let sha = NixHash::parse(lines.next()?, Some(nix_compat::nixhash::HashAlgo::Sha256)).ok()?;
    let last_modified = lines.next()?.parse().ok();
    let at: u64 = lines.next()?.parse().ok()?;
    if now().saturating_sub(at) > CACHE_TTL_SECS {
        return None;
    }
    glue.store().path_info(&path).ok()??;
    let NixHash::Sha256(nar_sha256) = sha else {
        return None;
    };
    Some(Cached {
        path,
        nar_sha256,
        last_modified,
    })
}

/// Records a download in the fetch cache (best effort: a cache that cannot
/// be written only means the next evaluation downloads again).
fn remember(
    glue: &Glue,
    kind: &str,
    url: &str,
    name: &str,
    path: &StorePath<String>,
    nar_sha256: [u8; 32],
    last_modified: Option<i64>,
) {
    let text = format!(
        "{}\n{}\n{}\n{}\n",
        path.to_absolute_path(),
        NixHash::Sha256(nar_sha256).to_base16(),
        last_modified.map_or("-".to_owned(), |t| t.to_string()),
        now()
    );
    write_cache(glue, kind, url, name, &text);
}

/// Writes the fetch cache entry for (`kind`, `key`, `name`), best effort:
/// without it the next evaluation fetches again.
pub(crate) fn write_cache(glue: &Glue, kind: &str, key: &str, name: &str, text: &str) {
    let Some(file) = cache_file(glue, kind, key, name) else {
        return;
    };
    if let Some(dir) = file.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let tmp = file.with_extension(format!("tmp{}", std::process::id()));
    if std::fs::write(&tmp, text).is_ok() {
        let _ = std::fs::rename(&tmp, &file);
    }
}
