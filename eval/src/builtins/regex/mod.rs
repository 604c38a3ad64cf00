//! `builtins.match` and `builtins.split`: POSIX extended regular
//! expressions exactly as C++ Nix runs them, i.e. as libstdc++'s
//! `std::regex(p, std::regex::extended)` with `std::regex_match` (match)
//! and `std::sregex_iterator` (split). `parse` reproduces libstdc++'s
//! scanner and compiler (which patterns are rejected, the NFA it builds),
//! `exec` its backtracking executor (longest match, first-found captures,
//! loop rules). Patterns are compiled once and cached per evaluator.
//!
//! Bytes, not characters: like libstdc++ on `char`, a pattern and a subject
//! are byte strings, so `.` and `[^a]` match one byte of a UTF-8 sequence.

mod exec;
mod parse;

use std::rc::Rc;

use super::{Builtin, arg_ctx};
use crate::ArgType;
use crate::{
    NixString, Pos, Value,
    errors::{Error, Result},
    eval::Evaluator,
};
use exec::{Captures, Flags};
pub(crate) use parse::{CompileError, Program as Regex, compile};

impl Evaluator {
    pub(crate) fn regex(&self, pattern: &NixString, pos: Pos) -> Result<Rc<Regex>> {
        if let Some(r) = self.regex_cache.borrow().get(pattern.as_bytes()) {
            return Ok(r.clone());
        }
        let r = Rc::new(compile(pattern.as_bytes()).map_err(|e| {
            let what = match e {
                CompileError::Space => "memory limit exceeded by",
                CompileError::Invalid => "invalid",
            };
            Error::eval(format!(
                "{what} regular expression '{}'",
                pattern.to_str_lossy()
            ))
            .at(pos)
        })?);
        self.regex_cache
            .borrow_mut()
            .insert(pattern.as_bytes().to_vec(), r.clone());
        Ok(r)
    }
}

fn too_complex(pattern: &NixString, pos: Pos) -> Error {
    Error::eval(format!(
        "matching regular expression '{}' exceeded the step limit",
        pattern.to_str_lossy()
    ))
    .at(pos)
}

fn groups(s: &[u8], c: &Captures) -> Value {
    Value::list(
        c.iter()
            .skip(1)
            .map(|m| match m {
                Some((a, b)) => Value::String(NixString::new(&s[*a..*b])),
                None => Value::Null,
            })
            .collect(),
    )
}

/// `std::sregex_iterator` over `b`: the capture slots of each match.
fn split_matches(
    re: &Regex,
    b: &[u8],
    steps: &mut u64,
) -> std::result::Result<Vec<Captures>, exec::TooComplex> {
    let mut out = vec![];
    let mut flags = Flags::default();
    let mut e = exec::exec(re, b, steps);
    let mut m = e.search(0, flags)?;
    while let Some(c) = m {
        let Some((ms, me)) = c[0] else { break };
        out.push(c);
        let mut start = me;
        if ms == me {
            if start == b.len() {
                break;
            }
            let nf = Flags {
                not_null: true,
                continuous: true,
                ..flags
            };
            if let Some(c) = e.search(start, nf)? {
                m = Some(c);
                continue;
            }
            start += 1;
        }
        flags.prev_avail = true;
        m = e.search(start, flags)?;
    }
    Ok(out)
}

pub(super) fn builtins() -> Vec<Builtin> {
    vec![
        Builtin::function("match", 2, |ev, pos, a| {
            let pat = ev.expect_string(&a[0], pos, arg_ctx("first", "match"))?;
            let re = ev.regex(&pat, pos)?;
            let s = ev.expect_string(&a[1], pos, arg_ctx("second", "match"))?;
            let mut steps = exec::STEP_BUDGET;
            match exec::full_match(&re, s.as_bytes(), &mut steps) {
                Ok(Some(c)) => Ok(groups(s.as_bytes(), &c)),
                Ok(None) => Ok(Value::Null),
                Err(_) => Err(too_complex(&pat, pos)),
            }
        })
        .forcing(&[(0, ArgType::Any)]),
        Builtin::function("split", 2, |ev, pos, a| {
            let pat = ev.expect_string(&a[0], pos, arg_ctx("first", "split"))?;
            let re = ev.regex(&pat, pos)?;
            let s = ev.expect_string(&a[1], pos, arg_ctx("second", "split"))?;
            let b = s.as_bytes();
            let mut steps = exec::STEP_BUDGET;
            let ms = split_matches(&re, b, &mut steps).map_err(|_| too_complex(&pat, pos))?;
            if ms.is_empty() {
                return Ok(Value::list(vec![Value::String(s)]));
            }
            let mut out = Vec::with_capacity(2 * ms.len() + 1);
            let mut last = 0;
            for c in &ms {
                let (start, end) = c[0].unwrap_or((last, last));
                out.push(Value::String(NixString::new(&b[last..start])));
                out.push(groups(b, c));
                last = end;
            }
            out.push(Value::String(NixString::new(&b[last..])));
            Ok(Value::list(out))
        })
        .forcing(&[(0, ArgType::Any)]),
    ]
}

#[cfg(test)]
mod tests {
    use super::{CompileError, compile};

    fn err(p: &str) -> Option<CompileError> {
        compile(p.as_bytes()).err()
    }

    #[test]
    fn rejected_like_libstdcxx() {
        for p in [
            "a$*",
            "^*",
            "a|*",
            "(*a)",
            "*a",
            "a{,2}",
            "a{2,1}",
            "[a",
            "a{",
            "a{1",
            "\\",
            "\\x",
            "a{1,2,3}",
            "[[:foo:]]",
            "[[...]]",
            "[a-c-e]",
            "[z-a]",
            "(",
            ")",
            "[]",
            "{1}",
        ] {
            assert_eq!(err(p), Some(CompileError::Invalid), "{p}");
        }
        assert_eq!(err("a{99999}"), Some(CompileError::Space));
        assert_eq!(err("a{2147483647}"), Some(CompileError::Space));
        assert_eq!(err("a{2147483648}"), Some(CompileError::Invalid));
    }

    #[test]
    fn accepted_like_libstdcxx() {
        for p in [
            "a**",
            "a+*",
            "x?+",
            "a{1}{2}",
            "(^)*",
            "($)*",
            "a||b",
            "(|a)",
            "[]a]",
            "[a-]",
            "[--0]",
            "[[.period.]]",
            "[[=a=]]",
            "[[:ALPHA:]]",
            "a}",
            "]",
            "\\.",
            "()",
        ] {
            assert_eq!(err(p), None, "{p}");
        }
    }
}
