//! Version builtins: `compareVersions`, `splitVersion`, `parseDrvName`, with
//! C++ Nix's component rules (digits vs. letters, `pre` sorts first).

use std::cmp::Ordering;

use super::{Builtin, arg_ctx};
use crate::ArgType;
use crate::{Attr, Attrs, Pos, Value, symbol::known};

/// Splits a version into components as C++ Nix's `nextComponent`.
pub(crate) fn components(v: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < v.len() {
        while i < v.len() && (v[i] == b'.' || v[i] == b'-') {
            i += 1;
        }
        if i >= v.len() {
            break;
        }
        let start = i;
        if v[i].is_ascii_digit() {
            while i < v.len() && v[i].is_ascii_digit() {
                i += 1;
            }
        } else {
            while i < v.len() && !v[i].is_ascii_digit() && v[i] != b'.' && v[i] != b'-' {
                i += 1;
            }
        }
        out.push(&v[start..i]);
    }
    out
}

fn parse_num(s: &[u8]) -> Option<u64> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(s).ok()?.parse().ok()
}

fn component_less(a: &[u8], b: &[u8]) -> bool {
    match (parse_num(a), parse_num(b)) {
        (Some(x), Some(y)) => x < y,
        _ => {
            if (a.is_empty() && parse_num(b).is_some()) || (a == b"pre" && b != b"pre") {
                true
            } else if b == b"pre" {
                false
            } else if parse_num(b).is_some() {
                true
            } else if parse_num(a).is_some() {
                false
            } else {
                a < b
            }
        }
    }
}

/// C++ Nix's `compareVersions`.
pub(crate) fn compare_versions(a: &[u8], b: &[u8]) -> Ordering {
    let ca = components(a);
    let cb = components(b);
    let n = ca.len().max(cb.len());
    for i in 0..n {
        let x = ca.get(i).copied().unwrap_or(b"");
        let y = cb.get(i).copied().unwrap_or(b"");
        if component_less(x, y) {
            return Ordering::Less;
        }
        if component_less(y, x) {
            return Ordering::Greater;
        }
    }
    Ordering::Equal
}

pub(super) fn builtins() -> Vec<Builtin> {
    vec![
        Builtin::function("compareVersions", 2, |ev, pos, a| {
            let x = ev
                .string_no_ctx(&a[0], pos)
                .map_err(|e| e.with_trace(pos, arg_ctx("first", "compareVersions")))?;
            let y = ev
                .string_no_ctx(&a[1], pos)
                .map_err(|e| e.with_trace(pos, arg_ctx("second", "compareVersions")))?;
            Ok(Value::Int(
                match compare_versions(x.as_bytes(), y.as_bytes()) {
                    Ordering::Less => -1,
                    Ordering::Equal => 0,
                    Ordering::Greater => 1,
                },
            ))
        })
        .forcing(&[(0, ArgType::PlainString), (1, ArgType::Any)]),
        Builtin::function("splitVersion", 1, |ev, pos, a| {
            let s = ev
                .string_no_ctx(&a[0], pos)
                .map_err(|e| e.with_trace(pos, arg_ctx("first", "splitVersion")))?;
            Ok(Value::list(
                components(s.as_bytes())
                    .into_iter()
                    .map(|c| Value::string(c.to_vec()))
                    .collect(),
            ))
        })
        .forcing(&[(0, ArgType::Any)]),
        Builtin::function("parseDrvName", 1, |ev, pos, a| {
            let s = ev
                .string_no_ctx(&a[0], pos)
                .map_err(|e| e.with_trace(pos, arg_ctx("first", "parseDrvName")))?;
            let b = s.as_bytes();
            // The name ends at the first dash followed by a non-letter.
            let mut split = b.len();
            for i in 0..b.len() {
                if b[i] == b'-' && b.get(i + 1).is_some_and(|c| !c.is_ascii_alphabetic()) {
                    split = i;
                    break;
                }
            }
            let (name, version) = if split < b.len() {
                (&b[..split], &b[split + 1..])
            } else {
                (b, &b""[..])
            };
            Ok(Value::attrs(Attrs::from_unsorted(vec![
                Attr {
                    name: known::name(),
                    pos: Pos::NONE,
                    value: Value::string(name.to_vec()),
                },
                Attr {
                    name: known::version(),
                    pos: Pos::NONE,
                    value: Value::string(version.to_vec()),
                },
            ])))
        })
        .forcing(&[(0, ArgType::Any)]),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_like_nix() {
        assert_eq!(compare_versions(b"1.0", b"2.3"), Ordering::Less);
        assert_eq!(compare_versions(b"2.1", b"2.3"), Ordering::Less);
        assert_eq!(compare_versions(b"2.3", b"2.3"), Ordering::Equal);
        assert_eq!(compare_versions(b"2.5", b"2.3"), Ordering::Greater);
        assert_eq!(compare_versions(b"2.3.1", b"2.3"), Ordering::Greater);
        assert_eq!(compare_versions(b"2.3pre1", b"2.3"), Ordering::Less);
        assert_eq!(compare_versions(b"2.3a", b"2.3c"), Ordering::Less);
        assert_eq!(compare_versions(b"2.3pre1", b"2.3c"), Ordering::Less);
    }
}
