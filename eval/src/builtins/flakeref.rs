//! `builtins.parseFlakeRef` and `builtins.flakeRefToString`: flake
//! references between their URL form and their attribute form, as C++ Nix
//! 2.26's `parseFlakeRef(s).toAttrs()` and `FlakeRef::fromAttrs(attrs)
//! .to_string()` do.
//!
//! Parsing follows C++ Nix's order: a flake id (`nixpkgs`, `nixpkgs/ref`,
//! `nixpkgs/ref/rev`, type `indirect`), then a URL (C++ `parseURL`, its
//! RFC 3986 regular expressions translated to the `regex` crate, then the
//! input schemes in C++'s order: `file`, `git`, `github`, `gitlab`, `hg`,
//! `indirect` (`flake:`), `path`, `sourcehut`, `tarball`), then, if the URL
//! was malformed (C++ `BadURL`), an absolute path (type `path`). No base
//! directory is given, as in C++ `prim_parseFlakeRef`, so a relative path is
//! refused; nothing touches the filesystem or the network. A `dir` query
//! parameter becomes the `dir` attribute; a fragment is an error. Plain
//! `http(s)://` and `file://` URLs are tarballs (flakes need a tree).
//!
//! `flakeRefToString` checks the attributes as C++ Nix (only integers,
//! Booleans and strings, no negative integer, attributes the input type
//! knows, the type's own checks) and prints each type's URL form (C++
//! `InputScheme::toURL`: `narHash` in SRI form, revisions in base16, query
//! sorted, `dir` added to the query).
//!
//! URL parsing and printing are in `flakeref/url.rs`, the input schemes in
//! `flakeref/schemes.rs`.
//!
//! Messages are C++ Nix's; C++ usage errors (an unknown hash algorithm,
//! `narHash must use SHA-256`) are usage errors here too. Differences: bytes
//! that percent-decode to invalid UTF-8 are replaced (U+FFFD), and where
//! C++ Nix fails an assertion (a `github`-like reference with both `ref` and
//! `rev`, a path reference with a line break in its fragment) this is an
//! error.

use nix_compat::nixhash::{self, HashAlgo, NixHash};
use std::collections::BTreeMap;

use super::Builtin;
use crate::{Pos, Symbol, Value, errors::Error};

mod schemes;
mod url;

use schemes::{SCHEMES, input_from_url};
use url::{FLAKE_ID_REF_RE, PATH_FLAKE_RE, ParsedUrl, decode_query, parse_url, percent_decode};

/// An attribute value of a flake reference (C++ `fetchers::Attr`).
#[derive(Clone)]
enum Attr {
    Int(u64),
    Bool(bool),
    Str(String),
}

/// The attributes of an input (C++ `fetchers::Attrs`).
type InputAttrs = BTreeMap<String, Attr>;

/// Why parsing or printing failed: C++ `BadURL` (parsing a URL may fall
/// back to a path on it), another error, or a usage error.
enum Fail {
    BadUrl(String),
    Eval(String),
    Usage(String),
}

type R<T> = std::result::Result<T, Fail>;

impl From<nixhash::Error> for Fail {
    fn from(e: nixhash::Error) -> Self {
        match e {
            nixhash::Error::UnknownAlgo(_) => Fail::Usage(e.to_string()),
            e => Fail::Eval(e.to_string()),
        }
    }
}

impl From<Fail> for Error {
    fn from(f: Fail) -> Error {
        match f {
            Fail::BadUrl(m) | Fail::Eval(m) => Error::eval(m),
            Fail::Usage(m) => Error::usage(m),
        }
    }
}

fn bad_url(m: String) -> Fail {
    Fail::BadUrl(m)
}

fn eval(m: String) -> Fail {
    Fail::Eval(m)
}

pub(super) fn builtins() -> Vec<Builtin> {
    vec![
        Builtin::function("parseFlakeRef", 1, |ev, pos, a| {
            let s = ev.expect_string_no_ctx(
                &a[0],
                pos,
                "while evaluating the argument passed to builtins.parseFlakeRef",
            )?;
            let warn = |m: &str| ev.observer.log_warning(m);
            let attrs = parse_flake_ref(&s.to_str_lossy(), &warn)?;
            let entries = attrs
                .into_iter()
                .map(|(k, v)| crate::Attr {
                    name: Symbol::new(k.as_bytes()),
                    pos: Pos::NONE,
                    value: match v {
                        Attr::Int(i) => Value::Int(i as i64),
                        Attr::Bool(b) => Value::bool(b),
                        Attr::Str(s) => Value::string(s),
                    },
                })
                .collect();
            Ok(Value::attrs(crate::Attrs::from_unsorted(entries)))
        }),
        Builtin::function("flakeRefToString", 1, |ev, pos, a| {
            let set = ev.expect_attrs(
                &a[0],
                Pos::NONE,
                "while evaluating the argument passed to builtins.flakeRefToString",
            )?;
            let mut attrs = InputAttrs::new();
            // C++ Nix looks at the values as they are, without forcing them: a
            // value still unevaluated is "a thunk".
            for attr in set.iter() {
                let name = attr.name.to_str_lossy().into_owned();
                let value = match &attr.value {
                    Value::Thunk(t) => t.value().unwrap_or_else(|| attr.value.clone()),
                    v => v.clone(),
                };
                let a = match &value {
                    Value::Int(i) if *i < 0 => {
                        return Err(Error::eval(format!(
                            "negative value given for flake ref attr {name}: {i}"
                        ))
                        .at(pos));
                    }
                    Value::Int(i) => Attr::Int(*i as u64),
                    Value::Bool(crate::AlignedBool(b)) => Attr::Bool(*b),
                    Value::String(s) => Attr::Str(s.to_str_lossy().into_owned()),
                    v => {
                        return Err(Error::eval(format!(
                            "flake reference attribute sets may only contain integers, Booleans, and strings, but attribute '{name}' is {}",
                            v.show_type()
                        )));
                    }
                };
                attrs.insert(name, a);
            }
            let warn = |m: &str| ev.observer.log_warning(m);
            Ok(Value::string(flake_ref_to_string(attrs, &warn)?))
        }),
    ]
}

type Warn<'a> = &'a dyn Fn(&str);

// ---------------------------------------------------------------------------
// Attributes (C++ attrs.cc) and the common input attributes (fetchers.cc)

/// The attributes as JSON, as C++ Nix shows them in errors.
fn to_json(attrs: &InputAttrs) -> String {
    let map: serde_json::Map<String, serde_json::Value> = attrs
        .iter()
        .map(|(k, v)| {
            let j = match v {
                Attr::Int(i) => serde_json::Value::from(*i),
                Attr::Bool(b) => serde_json::Value::from(*b),
                Attr::Str(s) => serde_json::Value::from(s.as_str()),
            };
            (k.clone(), j)
        })
        .collect();
    serde_json::Value::Object(map).to_string()
}

/// C++ `maybeGetStrAttr`.
fn maybe_str<'a>(attrs: &'a InputAttrs, name: &str) -> R<Option<&'a str>> {
    match attrs.get(name) {
        None => Ok(None),
        Some(Attr::Str(s)) => Ok(Some(s)),
        Some(_) => Err(eval(format!(
            "input attribute '{name}' is not a string {}",
            to_json(attrs)
        ))),
    }
}

/// C++ `getStrAttr`.
fn get_str<'a>(attrs: &'a InputAttrs, name: &str) -> R<&'a str> {
    maybe_str(attrs, name)?.ok_or_else(|| eval(format!("input attribute '{name}' is missing")))
}

/// C++ `maybeGetIntAttr`.
fn maybe_int(attrs: &InputAttrs, name: &str) -> R<Option<u64>> {
    match attrs.get(name) {
        None => Ok(None),
        Some(Attr::Int(i)) => Ok(Some(*i)),
        Some(_) => Err(eval(format!("input attribute '{name}' is not an integer"))),
    }
}

/// C++ `maybeGetBoolAttr`, absent being false.
fn get_bool(attrs: &InputAttrs, name: &str) -> R<bool> {
    match attrs.get(name) {
        None => Ok(false),
        Some(Attr::Bool(b)) => Ok(*b),
        Some(_) => Err(eval(format!("input attribute '{name}' is not a Boolean"))),
    }
}

fn str_attr(s: impl Into<String>) -> Attr {
    Attr::Str(s.into())
}

/// C++ `Input::getRev` as `gitRev` (base16): a prefixed hash, else SHA-1.
fn get_rev(attrs: &InputAttrs) -> R<Option<String>> {
    let Some(s) = maybe_str(attrs, "rev")? else {
        return Ok(None);
    };
    let h = match NixHash::parse_prefixed(s) {
        Ok(h) => h,
        Err(e @ nixhash::Error::UnknownAlgo(_)) => return Err(e.into()),
        Err(_) => NixHash::parse(s, Some(HashAlgo::Sha1))?,
    };
    Ok(Some(h.to_base16()))
}

/// C++ `Input::getNarHash` in SRI form (empty is SHA-256 of zeros).
fn get_nar_hash(attrs: &InputAttrs) -> R<Option<String>> {
    let Some(s) = maybe_str(attrs, "narHash")? else {
        return Ok(None);
    };
    let h = if s.is_empty() {
        NixHash::Sha256([0; 32])
    } else {
        NixHash::parse_sri(s)?
    };
    if h.algo() != HashAlgo::Sha256 {
        return Err(Fail::Usage("narHash must use SHA-256".into()));
    }
    Ok(Some(h.to_sri()))
}

/// C++ `fixupInput`: the common attributes have their types.
fn fixup(attrs: &InputAttrs) -> R<()> {
    get_str(attrs, "type")?;
    maybe_str(attrs, "ref")?;
    maybe_int(attrs, "revCount")?;
    maybe_int(attrs, "lastModified")?;
    Ok(())
}

/// C++ `string2Int<uint64_t>` (boost's `lexical_cast`).
fn string_to_u64(s: &str) -> Option<u64> {
    let digits = s.strip_prefix('+').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

// ---------------------------------------------------------------------------
// Flake references (C++ flakeref.cc)

/// C++ `fromParsedURL`: the `dir` parameter and the fragment taken out,
/// the rest an input. Returns the attributes (with `dir`) and the fragment.
fn from_parsed_url(mut url: ParsedUrl, warn: Warn) -> R<(InputAttrs, String)> {
    let dir = url.query.remove("dir").unwrap_or_default();
    let fragment = std::mem::take(&mut url.fragment);
    let mut attrs = input_from_url(&url, warn)?;
    if !dir.is_empty() {
        attrs.entry("dir".into()).or_insert(Attr::Str(dir));
    }
    Ok((attrs, fragment))
}

/// C++ `parseFlakeRefWithFragment` without a base directory.
fn parse_with_fragment(s: &str, warn: Warn) -> R<(InputAttrs, String)> {
    // A flake id, with a ref and/or a rev.
    if let Some(c) = FLAKE_ID_REF_RE.captures(s) {
        let url = ParsedUrl {
            scheme: "flake".into(),
            authority: Some(String::new()),
            path: c[1].to_owned(),
            ..Default::default()
        };
        let attrs = input_from_url(&url, warn)?;
        let fragment = percent_decode(c.get(6).map_or("", |m| m.as_str()))?;
        return Ok((attrs, fragment));
    }
    // A URL; a malformed one may still be a path.
    match parse_url(s, warn).and_then(|url| from_parsed_url(url, warn)) {
        Err(Fail::BadUrl(_)) => {}
        r => return r,
    }
    // A path (C++ `parsePathFlakeRefWithFragment`).
    let c = PATH_FLAKE_RE
        .captures(s)
        .ok_or_else(|| bad_url(format!("'{s}' is not a valid URL")))?;
    let path = c[1].to_owned();
    let query = decode_query(c.get(3).map_or("", |m| m.as_str()), warn)?;
    let fragment = percent_decode(c.get(5).map_or("", |m| m.as_str()))?;
    if !path.starts_with('/') {
        return Err(bad_url(format!(
            "flake reference '{s}' is not an absolute path"
        )));
    }
    from_parsed_url(
        ParsedUrl {
            scheme: "path".into(),
            authority: Some(String::new()),
            path,
            query,
            fragment,
        },
        warn,
    )
}

/// `parseFlakeRef(s).toAttrs()`.
fn parse_flake_ref(s: &str, warn: Warn) -> R<InputAttrs> {
    let (attrs, fragment) = parse_with_fragment(s, warn)?;
    if !fragment.is_empty() {
        return Err(eval(format!(
            "unexpected fragment '{fragment}' in flake reference '{s}'"
        )));
    }
    Ok(attrs)
}

/// `FlakeRef::fromAttrs(attrs).to_string()`.
fn flake_ref_to_string(mut attrs: InputAttrs, warn: Warn) -> R<String> {
    let dir = maybe_str(&attrs, "dir")?.unwrap_or_default().to_owned();
    attrs.remove("dir");
    let Some(ty) = maybe_str(&attrs, "type")?.map(str::to_owned) else {
        return Err(eval(
            "'type' attribute to specify input scheme is required but not provided".into(),
        ));
    };
    let Some(scheme) = SCHEMES.into_iter().find(|s| s.name() == ty) else {
        // C++ keeps an input of an unknown type, but cannot print it.
        fixup(&attrs)?;
        return Err(eval(format!(
            "cannot show unsupported input '{}'",
            to_json(&attrs)
        )));
    };
    if let Some(bad) = attrs.keys().find(|k| {
        !matches!(k.as_str(), "type" | "__final") && !scheme.allowed_attrs().contains(&k.as_str())
    }) {
        return Err(eval(format!(
            "input attribute '{bad}' not supported by scheme '{ty}'"
        )));
    }
    let attrs = scheme.input_from_attrs(attrs, warn)?;
    fixup(&attrs)?;
    let mut url = scheme.to_url(&attrs, warn)?;
    if !dir.is_empty() {
        url.query.entry("dir".into()).or_insert(dir);
    }
    Ok(url.to_string())
}
