//! `builtins.match` and `builtins.split`: POSIX extended regular expressions
//! (as C++ Nix's `std::regex::extended`), translated to the `regex` crate's
//! syntax and cached per pattern.
//!
//! Translation: `.` matches newlines (`(?s)`); inside bracket expressions
//! `\` is literal and a leading `]` is literal; outside, `\x` is `x`
//! literally. Known difference: POSIX alternation is leftmost-longest, the
//! `regex` crate is leftmost-first, so `(a|ab)` can capture differently.

use std::rc::Rc;

use super::{Builtin, arg_ctx};
use crate::ArgType;
use crate::{
    NixString, Pos, Value,
    errors::{Error, Result},
    eval::Evaluator,
};

/// A compiled pattern.
pub(crate) struct Regex {
    whole: regex::bytes::Regex,
    search: regex::bytes::Regex,
}

fn translate(p: &[u8]) -> Option<String> {
    let s = std::str::from_utf8(p).ok()?;
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let n = *chars.get(i + 1)?;
                i += 2;
                push_literal(&mut out, n);
                continue;
            }
            '[' => {
                out.push('[');
                i += 1;
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                if chars.get(i) == Some(&']') {
                    out.push_str("\\]");
                    i += 1;
                }
                loop {
                    let c = *chars.get(i)?;
                    if c == ']' {
                        out.push(']');
                        i += 1;
                        break;
                    }
                    if c == '[' && matches!(chars.get(i + 1), Some(':') | Some('=') | Some('.')) {
                        let close = chars.get(i + 1).copied()?;
                        let mut j = i + 2;
                        while j + 1 < chars.len() && !(chars[j] == close && chars[j + 1] == ']') {
                            j += 1;
                        }
                        let inner: String = chars[i..j.min(chars.len()) + 2].iter().collect();
                        out.push_str(&inner);
                        i = j + 2;
                        continue;
                    }
                    match c {
                        '\\' | '[' | '&' | '~' => {
                            out.push('\\');
                            out.push(c);
                        }
                        '-' if chars.get(i + 1) == Some(&'-') => out.push_str("\\-"),
                        c => out.push(c),
                    }
                    i += 1;
                }
                continue;
            }
            '{' => {
                // A valid interval is kept; otherwise `{` is literal.
                let rest: String = chars[i..].iter().collect();
                let valid = rest.find('}').is_some_and(|e| {
                    let inner = &rest[1..e];
                    !inner.is_empty() && inner.chars().all(|c| c.is_ascii_digit() || c == ',')
                });
                if valid {
                    out.push('{')
                } else {
                    out.push_str("\\{")
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    Some(out)
}

fn push_literal(out: &mut String, c: char) {
    if c.is_ascii_punctuation() || c == ' ' {
        out.push('\\');
    }
    out.push(c);
}

impl Evaluator {
    pub(crate) fn regex(&self, pattern: &NixString, pos: Pos) -> Result<Rc<Regex>> {
        if let Some(r) = self.regex_cache.borrow().get(pattern.as_bytes()) {
            return Ok(r.clone());
        }
        let invalid = || {
            Error::eval(format!(
                "invalid regular expression '{}'",
                pattern.to_str_lossy()
            ))
            .at(pos)
        };
        let t = translate(pattern.as_bytes()).ok_or_else(invalid)?;
        let build = |p: String| {
            regex::bytes::RegexBuilder::new(&p)
                .unicode(false)
                .dot_matches_new_line(true)
                .size_limit(64 << 20)
                .build()
        };
        let whole = build(format!("^(?:{t})$")).map_err(|_| invalid())?;
        let search = build(t).map_err(|_| invalid())?;
        let r = Rc::new(Regex { whole, search });
        self.regex_cache
            .borrow_mut()
            .insert(pattern.as_bytes().to_vec(), r.clone());
        Ok(r)
    }
}

fn groups(c: &regex::bytes::Captures<'_>) -> Value {
    Value::list(
        c.iter()
            .skip(1)
            .map(|m| match m {
                Some(m) => Value::String(NixString::new(m.as_bytes())),
                None => Value::Null,
            })
            .collect(),
    )
}

pub(super) fn builtins() -> Vec<Builtin> {
    vec![
        Builtin::function("match", 2, |ev, pos, a| {
            let re = ev.expect_string(&a[0], pos, arg_ctx("first", "match"))?;
            let re = ev.regex(&re, pos)?;
            let s = ev.expect_string(&a[1], pos, arg_ctx("second", "match"))?;
            match re.whole.captures(s.as_bytes()) {
                Some(c) => Ok(groups(&c)),
                None => Ok(Value::Null),
            }
        })
        .forcing(&[(0, ArgType::Any)]),
        Builtin::function("split", 2, |ev, pos, a| {
            let re = ev.expect_string(&a[0], pos, arg_ctx("first", "split"))?;
            let re = ev.regex(&re, pos)?;
            let s = ev.expect_string(&a[1], pos, arg_ctx("second", "split"))?;
            let b = s.as_bytes();
            let mut out = Vec::new();
            let mut last = 0;
            for c in re.search.captures_iter(b) {
                let Some(m) = c.get(0) else { continue };
                out.push(Value::String(NixString::new(&b[last..m.start()])));
                out.push(groups(&c));
                last = m.end();
            }
            out.push(Value::String(NixString::new(&b[last..])));
            Ok(Value::list(out))
        })
        .forcing(&[(0, ArgType::Any)]),
    ]
}

#[cfg(test)]
mod tests {
    use super::translate;

    #[test]
    fn posix_brackets_and_escapes() {
        assert_eq!(translate(b"[]a\\]").as_deref(), Some("[\\]a\\\\]"));
        assert_eq!(translate(b"a\\.b").as_deref(), Some("a\\.b"));
        assert_eq!(translate(b"[[:alpha:]]+").as_deref(), Some("[[:alpha:]]+"));
        assert_eq!(translate(b"a{2}{").as_deref(), Some("a{2}\\{"));
    }
}
