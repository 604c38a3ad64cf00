//! The input schemes (C++ fetchers: `tarball.cc`, `git.cc`, `github.cc`,
//! `mercurial.cc`, `indirect.cc`, `path.cc`): which URLs each takes, its
//! checks of the attributes, its URL form.

use nix_compat::nixhash::{HashAlgo, NixHash};

use super::url::{
    BAD_GIT_REF_RE, FLAKE_ID_RE, HOST_RE, ParsedUrl, REF_RE, REV_RE, fix_git_url, parse_url,
    split_scheme,
};
use super::{
    Attr, InputAttrs, R, Warn, bad_url, eval, fixup, get_bool, get_nar_hash, get_rev, get_str,
    maybe_str, str_attr, string_to_u64, to_json,
};

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Scheme {
    File,
    Git,
    GitHub,
    GitLab,
    Hg,
    Indirect,
    Path,
    SourceHut,
    Tarball,
}

/// The schemes in C++ Nix's order (its map of schemes by name).
pub(super) const SCHEMES: [Scheme; 9] = [
    Scheme::File,
    Scheme::Git,
    Scheme::GitHub,
    Scheme::GitLab,
    Scheme::Hg,
    Scheme::Indirect,
    Scheme::Path,
    Scheme::SourceHut,
    Scheme::Tarball,
];

pub(super) const CURL_ATTRS: &[&str] = &[
    "type",
    "url",
    "narHash",
    "name",
    "unpack",
    "rev",
    "revCount",
    "lastModified",
];

impl Scheme {
    pub(super) fn name(self) -> &'static str {
        match self {
            Scheme::File => "file",
            Scheme::Git => "git",
            Scheme::GitHub => "github",
            Scheme::GitLab => "gitlab",
            Scheme::Hg => "hg",
            Scheme::Indirect => "indirect",
            Scheme::Path => "path",
            Scheme::SourceHut => "sourcehut",
            Scheme::Tarball => "tarball",
        }
    }

    /// C++ `allowedAttrs`.
    pub(super) fn allowed_attrs(self) -> &'static [&'static str] {
        match self {
            Scheme::File | Scheme::Tarball => CURL_ATTRS,
            Scheme::Git => &[
                "url",
                "ref",
                "rev",
                "shallow",
                "submodules",
                "exportIgnore",
                "lastModified",
                "revCount",
                "narHash",
                "allRefs",
                "name",
                "dirtyRev",
                "dirtyShortRev",
                "verifyCommit",
                "keytype",
                "publicKey",
                "publicKeys",
            ],
            Scheme::GitHub | Scheme::GitLab | Scheme::SourceHut => &[
                "owner",
                "repo",
                "ref",
                "rev",
                "narHash",
                "lastModified",
                "host",
                "treeHash",
            ],
            Scheme::Hg => &["url", "ref", "rev", "revCount", "narHash", "name"],
            Scheme::Indirect => &["id", "ref", "rev", "narHash"],
            Scheme::Path => &["path", "rev", "revCount", "lastModified", "narHash"],
        }
    }

    /// C++ `inputFromURL` (with `requireTree`, as for flakes).
    pub(super) fn input_from_url(self, url: &ParsedUrl, warn: Warn) -> R<Option<InputAttrs>> {
        match self {
            Scheme::File | Scheme::Tarball => Ok(self.curl_from_url(url)),
            Scheme::Git => git_from_url(url, warn),
            Scheme::Hg => hg_from_url(url, warn),
            Scheme::Indirect => indirect_from_url(url),
            Scheme::Path => path_from_url(url),
            _ => self.archive_from_url(url),
        }
    }

    /// C++ `CurlInputScheme::inputFromURL`.
    pub(super) fn curl_from_url(self, url: &ParsedUrl) -> Option<InputAttrs> {
        let (app, transport) = split_scheme(&url.scheme);
        let valid = ["file", "http", "https"].contains(&transport)
            && match app {
                Some(a) => a == self.name(),
                None => self == Scheme::Tarball,
            };
        if !valid {
            return None;
        }
        let mut url = url.clone();
        url.scheme = transport.to_owned();
        let mut attrs = InputAttrs::new();
        for name in ["narHash", "rev"] {
            if let Some(v) = url.query.get(name) {
                attrs.insert(name.into(), str_attr(v));
            }
        }
        for name in ["revCount", "lastModified"] {
            if let Some(n) = url.query.get(name).and_then(|v| string_to_u64(v)) {
                attrs.insert(name.into(), Attr::Int(n));
            }
        }
        for p in CURL_ATTRS {
            url.query.remove(*p);
        }
        attrs.insert("type".into(), str_attr(self.name()));
        attrs.insert("url".into(), str_attr(url.to_string()));
        Some(attrs)
    }

    /// C++ `GitArchiveInputScheme::inputFromURL`.
    pub(super) fn archive_from_url(self, url: &ParsedUrl) -> R<Option<InputAttrs>> {
        if url.scheme != self.name() {
            return Ok(None);
        }
        let path: Vec<&str> = url.path.split('/').filter(|s| !s.is_empty()).collect();
        let mut rev = None;
        let mut reference = None;
        if path.len() == 3 {
            if REV_RE.is_match(path[2]) {
                rev = Some(NixHash::parse(path[2], Some(HashAlgo::Sha1))?.to_base16());
            } else if REF_RE.is_match(path[2]) {
                reference = Some(path[2].to_owned());
            } else {
                return Err(bad_url(format!(
                    "in URL '{url}', '{}' is not a commit hash or branch/tag name",
                    path[2]
                )));
            }
        } else if path.len() > 3 {
            let rs = path[2..].join("/");
            if !REF_RE.is_match(&rs) {
                return Err(bad_url(format!(
                    "in URL '{url}', '{rs}' is not a branch/tag name"
                )));
            }
            reference = Some(rs);
        } else if path.len() < 2 {
            return Err(bad_url(format!("URL '{url}' is invalid")));
        }
        let mut host = None;
        for (name, value) in &url.query {
            match name.as_str() {
                "rev" => {
                    if rev.is_some() {
                        return Err(bad_url(format!(
                            "URL '{url}' contains multiple commit hashes"
                        )));
                    }
                    rev = Some(NixHash::parse(value, Some(HashAlgo::Sha1))?.to_base16());
                }
                "ref" => {
                    if !REF_RE.is_match(value) {
                        return Err(bad_url(format!(
                            "URL '{url}' contains an invalid branch/tag name"
                        )));
                    }
                    if reference.is_some() {
                        return Err(bad_url(format!(
                            "URL '{url}' contains multiple branch/tag names"
                        )));
                    }
                    reference = Some(value.clone());
                }
                "host" => {
                    if !HOST_RE.is_match(value) {
                        return Err(bad_url(format!(
                            "URL '{url}' contains an invalid instance host"
                        )));
                    }
                    host = Some(value.clone());
                }
                _ => {}
            }
        }
        if let (Some(r), Some(h)) = (&reference, &rev) {
            return Err(bad_url(format!(
                "URL '{url}' contains both a commit hash and a branch/tag name {r} {h}"
            )));
        }
        let mut attrs = InputAttrs::new();
        attrs.insert("type".into(), str_attr(self.name()));
        attrs.insert("owner".into(), str_attr(path[0]));
        attrs.insert("repo".into(), str_attr(path[1]));
        let optional = [("rev", rev), ("ref", reference), ("host", host)];
        for (name, v) in optional {
            if let Some(v) = v {
                attrs.insert(name.into(), Attr::Str(v));
            }
        }
        if let Some(h) = url.query.get("narHash") {
            attrs.insert("narHash".into(), str_attr(h));
        }
        Ok(Some(attrs))
    }

    /// C++ `inputFromAttrs`: the scheme's own checks.
    pub(super) fn input_from_attrs(self, attrs: InputAttrs, warn: Warn) -> R<InputAttrs> {
        match self {
            Scheme::File | Scheme::Tarball => {}
            Scheme::Git => return git_from_attrs(attrs, warn),
            Scheme::Hg => {
                parse_url(get_str(&attrs, "url")?, warn)?;
                if let Some(r) = maybe_str(&attrs, "ref")? {
                    if !REF_RE.is_match(r) {
                        return Err(bad_url(format!("invalid Mercurial branch/tag name '{r}'")));
                    }
                }
            }
            Scheme::Indirect => {
                let id = get_str(&attrs, "id")?;
                if !FLAKE_ID_RE.is_match(id) {
                    return Err(bad_url(format!("'{id}' is not a valid flake ID")));
                }
            }
            Scheme::Path => {
                get_str(&attrs, "path")?;
            }
            Scheme::GitHub | Scheme::GitLab | Scheme::SourceHut => {
                get_str(&attrs, "owner")?;
                get_str(&attrs, "repo")?;
            }
        }
        Ok(attrs)
    }

    /// C++ `toURL`.
    pub(super) fn to_url(self, attrs: &InputAttrs, warn: Warn) -> R<ParsedUrl> {
        let mut url = match self {
            Scheme::File | Scheme::Tarball => parse_url(get_str(attrs, "url")?, warn)?,
            Scheme::Git | Scheme::Hg => {
                let mut url = parse_url(get_str(attrs, "url")?, warn)?;
                if self == Scheme::Hg || url.scheme != "git" {
                    url.scheme = format!("{}+{}", self.name(), url.scheme);
                }
                if let Some(rev) = get_rev(attrs)? {
                    url.query.insert("rev".into(), rev);
                }
                if let Some(r) = maybe_str(attrs, "ref")? {
                    url.query.insert("ref".into(), r.to_owned());
                }
                if self == Scheme::Git {
                    for flag in ["shallow", "submodules", "exportIgnore", "verifyCommit"] {
                        if get_bool(attrs, flag)? {
                            url.query.insert(flag.into(), "1".into());
                        }
                    }
                }
                return Ok(url);
            }
            Scheme::Indirect => {
                let mut path = get_str(attrs, "id")?.to_owned();
                if let Some(r) = maybe_str(attrs, "ref")? {
                    path = format!("{path}/{r}");
                }
                if let Some(r) = get_rev(attrs)? {
                    path = format!("{path}/{r}");
                }
                return Ok(ParsedUrl {
                    scheme: "flake".into(),
                    path,
                    ..Default::default()
                });
            }
            Scheme::Path => {
                let query = attrs
                    .iter()
                    .filter(|(k, _)| !matches!(k.as_str(), "path" | "type" | "__final"))
                    .map(|(k, v)| {
                        let v = match v {
                            Attr::Int(i) => i.to_string(),
                            Attr::Str(s) => s.clone(),
                            Attr::Bool(b) => if *b { "1" } else { "0" }.to_owned(),
                        };
                        (k.clone(), v)
                    })
                    .collect();
                return Ok(ParsedUrl {
                    scheme: "path".into(),
                    path: get_str(attrs, "path")?.to_owned(),
                    query,
                    ..Default::default()
                });
            }
            Scheme::GitHub | Scheme::GitLab | Scheme::SourceHut => {
                let owner = get_str(attrs, "owner")?;
                let repo = get_str(attrs, "repo")?;
                let reference = maybe_str(attrs, "ref")?;
                let rev = get_rev(attrs)?;
                if reference.is_some() && rev.is_some() {
                    // An assertion failure in C++ Nix.
                    return Err(eval(format!(
                        "flake reference {} has both 'ref' and 'rev'",
                        to_json(attrs)
                    )));
                }
                let mut path = format!("{owner}/{repo}");
                for part in reference.into_iter().chain(rev.as_deref()) {
                    path.push('/');
                    path.push_str(part);
                }
                ParsedUrl {
                    scheme: self.name().into(),
                    path,
                    ..Default::default()
                }
            }
        };
        if let Some(h) = get_nar_hash(attrs)? {
            url.query.insert("narHash".into(), h);
        }
        Ok(url)
    }
}

/// C++ `GitInputScheme::inputFromURL`.
pub(super) fn git_from_url(url: &ParsedUrl, warn: Warn) -> R<Option<InputAttrs>> {
    if !matches!(
        url.scheme.as_str(),
        "git" | "git+http" | "git+https" | "git+ssh" | "git+file"
    ) {
        return Ok(None);
    }
    let mut url2 = url.clone();
    if let Some(t) = url2.scheme.strip_prefix("git+") {
        url2.scheme = t.to_owned();
    }
    url2.query.clear();
    let mut attrs = InputAttrs::new();
    attrs.insert("type".into(), str_attr("git"));
    for (name, value) in &url.query {
        match name.as_str() {
            "rev" | "ref" | "keytype" | "publicKey" | "publicKeys" => {
                attrs.insert(name.clone(), str_attr(value));
            }
            "shallow" | "submodules" | "exportIgnore" | "allRefs" | "verifyCommit" => {
                attrs.insert(name.clone(), Attr::Bool(value == "1"));
            }
            _ => {
                url2.query.insert(name.clone(), value.clone());
            }
        }
    }
    attrs.insert("url".into(), str_attr(url2.to_string()));
    git_from_attrs(attrs, warn).map(Some)
}

/// C++ `GitInputScheme::inputFromAttrs`.
pub(super) fn git_from_attrs(mut attrs: InputAttrs, warn: Warn) -> R<InputAttrs> {
    if attrs.keys().any(|k| {
        matches!(
            k.as_str(),
            "verifyCommit" | "keytype" | "publicKey" | "publicKeys"
        )
    }) {
        return Err(eval(
            "experimental Nix feature 'verified-fetches' is disabled; add '--extra-experimental-features verified-fetches' to enable it".into(),
        ));
    }
    if let Some(r) = maybe_str(&attrs, "ref")? {
        if BAD_GIT_REF_RE.is_match(r) {
            return Err(bad_url(format!("invalid Git branch/tag name '{r}'")));
        }
    }
    let url = fix_git_url(get_str(&attrs, "url")?);
    parse_url(&url, warn)?;
    attrs.insert("url".into(), Attr::Str(url));
    for flag in ["shallow", "submodules", "allRefs"] {
        get_bool(&attrs, flag)?;
    }
    Ok(attrs)
}

/// C++ `MercurialInputScheme::inputFromURL`.
pub(super) fn hg_from_url(url: &ParsedUrl, warn: Warn) -> R<Option<InputAttrs>> {
    if !matches!(
        url.scheme.as_str(),
        "hg+http" | "hg+https" | "hg+ssh" | "hg+file"
    ) {
        return Ok(None);
    }
    let mut url2 = url.clone();
    url2.scheme = url.scheme[3..].to_owned();
    url2.query.clear();
    let mut attrs = InputAttrs::new();
    attrs.insert("type".into(), str_attr("hg"));
    for (name, value) in &url.query {
        if name == "rev" || name == "ref" {
            attrs.insert(name.clone(), str_attr(value));
        } else {
            url2.query.insert(name.clone(), value.clone());
        }
    }
    attrs.insert("url".into(), str_attr(url2.to_string()));
    Scheme::Hg.input_from_attrs(attrs, warn).map(Some)
}

/// C++ `IndirectInputScheme::inputFromURL` (`flake:` URLs and flake ids).
pub(super) fn indirect_from_url(url: &ParsedUrl) -> R<Option<InputAttrs>> {
    if url.scheme != "flake" {
        return Ok(None);
    }
    let path: Vec<&str> = url.path.split('/').filter(|s| !s.is_empty()).collect();
    let sha1 = |s: &str| -> R<String> { Ok(NixHash::parse(s, Some(HashAlgo::Sha1))?.to_base16()) };
    let (mut rev, mut reference) = (None, None);
    match path.len() {
        1 => {}
        2 => {
            if REV_RE.is_match(path[1]) {
                rev = Some(sha1(path[1])?);
            } else if REF_RE.is_match(path[1]) {
                reference = Some(path[1]);
            } else {
                return Err(bad_url(format!(
                    "in flake URL '{url}', '{}' is not a commit hash or branch/tag name",
                    path[1]
                )));
            }
        }
        3 => {
            if !REF_RE.is_match(path[1]) {
                return Err(bad_url(format!(
                    "in flake URL '{url}', '{}' is not a branch/tag name",
                    path[1]
                )));
            }
            reference = Some(path[1]);
            if !REV_RE.is_match(path[2]) {
                return Err(bad_url(format!(
                    "in flake URL '{url}', '{}' is not a commit hash",
                    path[2]
                )));
            }
            rev = Some(sha1(path[2])?);
        }
        _ => return Err(bad_url(format!("GitHub URL '{url}' is invalid"))),
    }
    let id = path[0];
    if !FLAKE_ID_RE.is_match(id) {
        return Err(bad_url(format!("'{id}' is not a valid flake ID")));
    }
    let mut attrs = InputAttrs::new();
    attrs.insert("type".into(), str_attr("indirect"));
    attrs.insert("id".into(), str_attr(id));
    if let Some(r) = rev {
        attrs.insert("rev".into(), Attr::Str(r));
    }
    if let Some(r) = reference {
        attrs.insert("ref".into(), str_attr(r));
    }
    Ok(Some(attrs))
}

/// C++ `PathInputScheme::inputFromURL`.
pub(super) fn path_from_url(url: &ParsedUrl) -> R<Option<InputAttrs>> {
    if url.scheme != "path" {
        return Ok(None);
    }
    if let Some(a) = url.authority.as_deref().filter(|a| !a.is_empty()) {
        return Err(eval(format!(
            "path URL '{url}' should not have an authority ('{a}')"
        )));
    }
    let mut attrs = InputAttrs::new();
    attrs.insert("type".into(), str_attr("path"));
    attrs.insert("path".into(), str_attr(&url.path));
    for (name, value) in &url.query {
        match name.as_str() {
            "rev" | "narHash" => {
                attrs.insert(name.clone(), str_attr(value));
            }
            "revCount" | "lastModified" => {
                let n = string_to_u64(value).ok_or_else(|| {
                    eval(format!("path URL '{url}' has invalid parameter '{name}'"))
                })?;
                attrs.insert(name.clone(), Attr::Int(n));
            }
            _ => {
                return Err(eval(format!(
                    "path URL '{url}' has unsupported parameter '{name}'"
                )));
            }
        }
    }
    Ok(Some(attrs))
}

/// C++ `Input::fromURL`: the first scheme that takes the URL.
pub(super) fn input_from_url(url: &ParsedUrl, warn: Warn) -> R<InputAttrs> {
    for scheme in SCHEMES {
        if let Some(attrs) = scheme.input_from_url(url, warn)? {
            fixup(&attrs)?;
            return Ok(attrs);
        }
    }
    Err(eval(format!("input '{url}' is unsupported")))
}
