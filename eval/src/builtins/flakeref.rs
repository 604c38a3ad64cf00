//! `builtins.flakeRefToString`: a flake reference given as attributes,
//! printed as a URL the way C++ Nix's `FlakeRef::to_string` does.
//!
//! The attribute checks are C++ Nix's (only integers, Booleans and strings,
//! no negative integer, attributes the input type knows); the URL form is
//! implemented for the `github`, `gitlab` and `sourcehut` types, other types
//! are refused with an error saying so.

use std::collections::BTreeMap;

use nix_compat::nixhash::NixHash;

use super::Builtin;
use crate::{
    Pos, Value,
    errors::{Error, Result},
};

/// An attribute value of a flake reference (C++ `fetchers::Attr`).
enum Attr {
    Int(i64),
    Bool(bool),
    Str(String),
}

pub(super) fn builtins() -> Vec<Builtin> {
    vec![Builtin::function("flakeRefToString", 1, |ev, pos, a| {
        let set = ev.expect_attrs(
            &a[0],
            Pos::NONE,
            "while evaluating the argument passed to builtins.flakeRefToString",
        )?;
        let mut attrs: BTreeMap<String, Attr> = BTreeMap::new();
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
                Value::Int(i) => Attr::Int(*i),
                Value::Bool(b) => Attr::Bool(*b),
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
        Ok(Value::string(to_url(attrs)?))
    })]
}

/// The attributes as JSON, as C++ Nix shows them in errors.
fn to_json(attrs: &BTreeMap<String, Attr>) -> String {
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
fn str_attr<'a>(attrs: &'a BTreeMap<String, Attr>, name: &str) -> Result<Option<&'a str>> {
    match attrs.get(name) {
        None => Ok(None),
        Some(Attr::Str(s)) => Ok(Some(s)),
        Some(_) => Err(Error::eval(format!(
            "input attribute '{name}' is not a string {}",
            to_json(attrs)
        ))),
    }
}

/// C++ `percentEncode`: unreserved characters and `keep` stay.
fn percent_encode(s: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for &c in s.as_bytes() {
        if c.is_ascii_alphanumeric() || b"-._~".contains(&c) || keep.contains(&c) {
            out.push(c as char);
        } else {
            out.push_str(&format!("%{c:02X}"));
        }
    }
    out
}

/// `FlakeRef::fromAttrs(attrs).to_string()`.
fn to_url(mut attrs: BTreeMap<String, Attr>) -> Result<String> {
    let dir = match attrs.get("dir") {
        Some(Attr::Str(s)) => Some(s.clone()),
        Some(_) => {
            return Err(Error::eval(format!(
                "input attribute 'dir' is not a string {}",
                to_json(&attrs)
            )));
        }
        None => None,
    };
    attrs.remove("dir");
    let Some(ty) = str_attr(&attrs, "type")? else {
        return Err(Error::eval(
            "'type' attribute to specify input scheme is required but not provided",
        ));
    };
    let ty = ty.to_owned();
    if !matches!(ty.as_str(), "github" | "gitlab" | "sourcehut") {
        return Err(Error::eval(format!(
            "flakeRefToString: flake references of type '{ty}' are not supported yet"
        )));
    }
    const ALLOWED: &[&str] = &[
        "owner",
        "repo",
        "ref",
        "rev",
        "narHash",
        "lastModified",
        "host",
        "treeHash",
    ];
    if let Some(bad) = attrs
        .keys()
        .find(|k| !matches!(k.as_str(), "type" | "__final") && !ALLOWED.contains(&k.as_str()))
    {
        return Err(Error::eval(format!(
            "input attribute '{bad}' not supported by scheme '{ty}'"
        )));
    }
    let missing = |n: &str| Error::eval(format!("input attribute '{n}' is missing"));
    let owner = str_attr(&attrs, "owner")?.ok_or_else(|| missing("owner"))?;
    let repo = str_attr(&attrs, "repo")?.ok_or_else(|| missing("repo"))?;
    let reference = str_attr(&attrs, "ref")?;
    let rev = match str_attr(&attrs, "rev")? {
        Some(r) => Some(
            NixHash::parse(r, Some(nix_compat::nixhash::HashAlgo::Sha1))
                .map_err(|e| Error::eval(format!("invalid rev '{r}': {e}")))?
                .to_base16(),
        ),
        None => None,
    };
    if reference.is_some() && rev.is_some() {
        return Err(Error::eval(format!(
            "flake reference {} has both 'ref' and 'rev'",
            to_json(&attrs)
        )));
    }
    let mut path = format!("{owner}/{repo}");
    if let Some(r) = reference {
        path.push('/');
        path.push_str(r);
    }
    if let Some(r) = &rev {
        path.push('/');
        path.push_str(r);
    }
    let mut query: BTreeMap<&str, String> = BTreeMap::new();
    if let Some(h) = str_attr(&attrs, "narHash")? {
        let h = NixHash::parse(h, None)
            .map_err(|e| Error::eval(format!("invalid narHash '{h}': {e}")))?;
        query.insert("narHash", h.to_sri());
    }
    if let Some(d) = &dir {
        if !d.is_empty() {
            query.insert("dir", d.clone());
        }
    }
    let mut url = format!("{ty}:{}", percent_encode(&path, b":@/"));
    for (i, (k, v)) in query.iter().enumerate() {
        url.push(if i == 0 { '?' } else { '&' });
        url.push_str(&percent_encode(k, b":@/?"));
        url.push('=');
        url.push_str(&percent_encode(v, b":@/?"));
    }
    Ok(url)
}
