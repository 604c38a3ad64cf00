//! URLs as C++ Nix parses and prints them (`url.cc`, `url-parts.hh`).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::LazyLock;

use regex::Regex;

use super::{R, Warn, bad_url};

/// C++ `url-parts.hh`, in the `regex` crate's syntax.
mod parts {
    pub(super) const PCT: &str = "(?:%[0-9a-fA-F][0-9a-fA-F])";
    pub(super) const SCHEME: &str = r"(?:[a-z][a-z0-9+.\-]*)";
    const IPV6_SEGMENT: &str = "[0-9a-fA-F:]+(?:%[0-9A-Za-z_]+)?";
    pub(super) const UNRESERVED: &str = r"(?:[a-zA-Z0-9\-._~])";
    pub(super) const SUBDELIMS: &str = r#"(?:[!$&'"()*+,;=])"#;
    pub(super) const REF: &str = r"[a-zA-Z0-9@][a-zA-Z0-9_./@+\-]*";
    pub(super) const REV: &str = "[0-9a-fA-F]{40}";
    pub(super) const FLAKE_ID: &str = "[a-zA-Z][a-zA-Z0-9_-]*";

    fn ipv6() -> String {
        format!(r"(?:\[{IPV6_SEGMENT}\]|{IPV6_SEGMENT})")
    }
    fn hostname() -> String {
        format!("(?:(?:{UNRESERVED}|{PCT}|{SUBDELIMS})*)")
    }
    fn host() -> String {
        format!("(?:{}|{})", ipv6(), hostname())
    }
    fn user() -> String {
        format!("(?:(?:{UNRESERVED}|{PCT}|{SUBDELIMS}|:)*)")
    }
    pub(super) fn authority() -> String {
        format!("(?:{}@)?{}(?::[0-9]+)?", user(), host())
    }
    fn pchar() -> String {
        format!("(?:{UNRESERVED}|{PCT}|{SUBDELIMS}|[:@])")
    }
    pub(super) fn query() -> String {
        format!(r#"(?:{}|[/? "])*"#, pchar())
    }
    pub(super) fn fragment() -> String {
        format!(r#"(?:{}|[/? "^])*"#, pchar())
    }
    fn segment() -> String {
        format!("(?:{}*)", pchar())
    }
    pub(super) fn abs_path() -> String {
        format!("(?:(?:/{})*/?)", segment())
    }
    pub(super) fn path() -> String {
        format!("(?:{s}(?:/{s})*/?)", s = segment())
    }
    /// C++ `refAndOrRevRegex`: groups rev, ref, rev.
    pub(super) fn ref_and_or_rev() -> String {
        format!("(?:({REV})|(?:({REF})(?:/({REV}))?))")
    }
}

/// A regular expression matching whole strings (C++ `std::regex_match`).
fn whole(re: &str) -> Regex {
    Regex::new(&format!(r"\A(?:{re})\z")).expect("valid regular expression")
}

pub(super) static URI_RE: LazyLock<Regex> = LazyLock::new(|| {
    whole(&format!(
        r"(({}):(?:(?://({})({}))|(/?{})))(?:\?({}))?(?:#({}))?",
        parts::SCHEME,
        parts::authority(),
        parts::abs_path(),
        parts::path(),
        parts::query(),
        parts::fragment()
    ))
});
pub(super) static FLAKE_ID_REF_RE: LazyLock<Regex> = LazyLock::new(|| {
    whole(&format!(
        "(({})(?:/{})?)(?:#({}))?",
        parts::FLAKE_ID,
        parts::ref_and_or_rev(),
        parts::fragment()
    ))
});
pub(super) static PATH_FLAKE_RE: LazyLock<Regex> =
    LazyLock::new(|| whole(r"([^?#]*)(\?([^#]*))?(#((?s:.*)))?"));
pub(super) static REF_RE: LazyLock<Regex> = LazyLock::new(|| whole(parts::REF));
pub(super) static REV_RE: LazyLock<Regex> = LazyLock::new(|| whole(parts::REV));
pub(super) static FLAKE_ID_RE: LazyLock<Regex> = LazyLock::new(|| whole(parts::FLAKE_ID));
pub(super) static HOST_RE: LazyLock<Regex> = LazyLock::new(|| whole("[a-zA-Z0-9.-]*"));
pub(super) static SCP_RE: LazyLock<Regex> =
    LazyLock::new(|| whole("([^/]*)@([^\n\r]*):([^\n\r]*)"));
/// C++ `badGitRefRegex`, searched for (not matched against the whole ref).
pub(super) static BAD_GIT_REF_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"//|^[./]|/\.|\.\.|[[:cntrl:][:space:]:?\^~\[]|\\|\*|\.lock$|\.lock/|@\{|[/.]$|^@$|^$",
    )
    .expect("valid regular expression")
});

/// C++ `ParsedURL`.
#[derive(Clone, Default)]
pub(super) struct ParsedUrl {
    pub(super) scheme: String,
    pub(super) authority: Option<String>,
    pub(super) path: String,
    pub(super) query: BTreeMap<String, String>,
    pub(super) fragment: String,
}

impl fmt::Display for ParsedUrl {
    /// C++ `ParsedURL::to_string`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.scheme)?;
        if let Some(a) = &self.authority {
            write!(f, "//{a}")?;
        }
        f.write_str(&percent_encode(&self.path, b":@/"))?;
        for (i, (k, v)) in self.query.iter().enumerate() {
            let sep = if i == 0 { '?' } else { '&' };
            write!(
                f,
                "{sep}{}={}",
                percent_encode(k, b":@/?"),
                percent_encode(v, b":@/?")
            )?;
        }
        if !self.fragment.is_empty() {
            write!(f, "#{}", percent_encode(&self.fragment, b""))?;
        }
        Ok(())
    }
}

/// C++ `percentEncode`: unreserved characters and `keep` stay (and a NUL
/// byte, which C++'s `strchr` finds in any string).
pub(super) fn percent_encode(s: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for &c in s.as_bytes() {
        if c.is_ascii_alphanumeric() || b"\0-._~".contains(&c) || keep.contains(&c) {
            out.push(c as char);
        } else {
            out.push_str(&format!("%{c:02X}"));
        }
    }
    out
}

/// C++ `percentDecode`, whose `std::stoul(…, 16)` of the two characters
/// after `%` also takes leading white space, a sign and a lone digit.
pub(super) fn percent_decode(s: &str) -> R<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let byte = if i + 2 >= b.len() {
                None
            } else {
                stoul_hex(&b[i + 1..i + 3])
            };
            let Some(byte) = byte else {
                return Err(bad_url(format!("invalid URI parameter '{s}'")));
            };
            out.push(byte);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// `std::stoul(s, 0, 16)` truncated to a `char`, or `None` where it throws.
pub(super) fn stoul_hex(s: &[u8]) -> Option<u8> {
    let mut i = 0;
    while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
        i += 1;
    }
    let mut negative = false;
    if i < s.len() && matches!(s[i], b'+' | b'-') {
        negative = s[i] == b'-';
        i += 1;
    }
    let digits: Vec<u8> = s[i..]
        .iter()
        .map_while(|c| (*c as char).to_digit(16).map(|d| d as u8))
        .collect();
    if digits.is_empty() {
        return None;
    }
    let v = digits.iter().fold(0u8, |acc, d| acc.wrapping_mul(16) | d);
    Some(if negative { v.wrapping_neg() } else { v })
}

/// C++ `decodeQuery`: `&`-separated `name=value` pairs (values
/// percent-decoded, the first of a name kept); a pair without `=` is
/// ignored with a warning.
pub(super) fn decode_query(q: &str, warn: Warn) -> R<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for s in q.split('&').filter(|s| !s.is_empty()) {
        let Some((k, v)) = s.split_once('=') else {
            warn(&format!(
                "dubious URI query '{s}' is missing equal sign '=', ignoring"
            ));
            continue;
        };
        let v = percent_decode(v)?;
        out.entry(k.to_owned()).or_insert(v);
    }
    Ok(out)
}

/// C++ `parseUrlScheme`: the application and transport of `app+transport`.
pub(super) fn split_scheme(s: &str) -> (Option<&str>, &str) {
    match s.split_once('+') {
        Some((a, t)) => (Some(a), t),
        None => (None, s),
    }
}

/// C++ `parseURL`.
pub(super) fn parse_url(url: &str, warn: Warn) -> R<ParsedUrl> {
    let Some(c) = URI_RE.captures(url) else {
        return Err(bad_url(format!("'{url}' is not a valid URL")));
    };
    let text = |i: usize| c.get(i).map(|m| m.as_str());
    let scheme = text(2).unwrap_or_default().to_owned();
    let authority = text(3).map(str::to_owned);
    let mut path = text(4).or(text(5)).unwrap_or_default();
    let transport_is_file = split_scheme(&scheme).1 == "file";
    if let Some(a) = &authority {
        if !a.is_empty() && transport_is_file {
            return Err(bad_url(format!(
                "file:// URL '{url}' has unexpected authority '{a}'"
            )));
        }
    }
    if transport_is_file && path.is_empty() {
        path = "/";
    }
    Ok(ParsedUrl {
        scheme,
        authority,
        path: percent_decode(path)?,
        query: decode_query(text(6).unwrap_or_default(), warn)?,
        fragment: percent_decode(text(7).unwrap_or_default())?,
    })
}

/// C++ `fixGitURL`: `user@host:path` becomes an `ssh://` URL, a path a
/// `file://` URL.
pub(super) fn fix_git_url(url: &str) -> String {
    if !url.starts_with('/') {
        if let Some(c) = SCP_RE.captures(url) {
            return format!("ssh://{}@{}/{}", &c[1], &c[2], &c[3]);
        }
    }
    if url.starts_with("file:") || url.contains("://") {
        return url.to_owned();
    }
    ParsedUrl {
        scheme: "file".into(),
        authority: Some(String::new()),
        path: url.to_owned(),
        ..Default::default()
    }
    .to_string()
}
