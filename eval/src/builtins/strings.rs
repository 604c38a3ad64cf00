//! String builtins: `stringLength`, `substring`, `concatStringsSep`,
//! `replaceStrings`, `baseNameOf`, `dirOf`, `toPath`. Strings are bytes;
//! contexts propagate as in C++ Nix.

use super::{Builtin, arg_ctx};
use crate::ArgType;
use crate::{
    Context, NixString, Pos, Value,
    errors::{Error, Result, TraceMessage},
    eval::{Evaluator, ops::Coercion},
};

const PLAIN: Coercion = Coercion {
    more: false,
    copy_to_store: false,
};

fn coerce(
    ev: &Evaluator,
    v: &Value,
    pos: Pos,
    ctx: impl TraceMessage,
    c: Coercion,
) -> Result<NixString> {
    ev.coerce_to_string_ctx(v, pos, c, ctx)
}

pub(super) fn builtins() -> Vec<Builtin> {
    vec![
        Builtin::function("stringLength", 1, |ev, pos, a| {
            let s = coerce(
                ev,
                &a[0],
                pos,
                "while evaluating the argument passed to builtins.stringLength",
                Coercion {
                    more: false,
                    copy_to_store: true,
                },
            )?;
            Ok(Value::Int(s.as_bytes().len() as i64))
        })
        .forcing(&[(0, ArgType::Any)]),
        Builtin::function("substring", 3, |ev, pos, a| {
            let start = ev.expect_int(
                &a[0],
                pos,
                "while evaluating the first argument (the start offset) passed to builtins.substring",
            )?;
            if start < 0 {
                return Err(Error::eval("negative start position in 'substring'").at(pos));
            }
            let len = ev.expect_int(
                &a[1],
                pos,
                "while evaluating the second argument (the substring length) passed to builtins.substring",
            )?;
            let s = coerce(
                ev,
                &a[2],
                pos,
                "while evaluating the third argument (the string) passed to builtins.substring",
                Coercion {
                    more: false,
                    copy_to_store: true,
                },
            )?;
            let b = s.as_bytes();
            let start = (start as usize).min(b.len());
            if len < 0 {
                return Ok(Value::String(NixString::with_context(
                    b[start..].to_vec(),
                    s.context().clone(),
                )));
            }
            let end = start.saturating_add(len as usize).min(b.len());
            if start == 0 && end == b.len() {
                return Ok(Value::String(s));
            }
            Ok(Value::String(NixString::with_context(
                b[start..end].to_vec(),
                s.context().clone(),
            )))
        })
        .forcing(&[(0, ArgType::Any)]),
        Builtin::function("concatStringsSep", 2, |ev, pos, a| {
            let sep = ev.expect_string(
                &a[0],
                pos,
                "while evaluating the first argument (the separator string) passed to builtins.concatStringsSep",
            )?;
            let l = ev.expect_list(
                &a[1],
                pos,
                "while evaluating the second argument (the list of strings to concat) passed to builtins.concatStringsSep",
            )?;
            let mut out = Vec::new();
            let mut ctx = sep.context().clone();
            for (i, x) in l.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(sep.as_bytes());
                }
                let s = coerce(
                    ev,
                    x,
                    pos,
                    "while evaluating one element of the list of strings to concat passed to builtins.concatStringsSep",
                    Coercion {
                        more: false,
                        copy_to_store: true,
                    },
                )?;
                out.extend_from_slice(s.as_bytes());
                if !s.context().is_empty() {
                    ctx = ctx.union(s.context());
                }
            }
            Ok(Value::String(NixString::with_context(out, ctx)))
        })
        .forcing(&[(0, ArgType::String), (1, ArgType::Any)]),
        Builtin::function("replaceStrings", 3, |ev, pos, a| {
            let from = ev.expect_list(&a[0], pos, arg_ctx("first", "replaceStrings"))?;
            let to = ev.expect_list(&a[1], pos, arg_ctx("second", "replaceStrings"))?;
            if from.len() != to.len() {
                return Err(Error::eval("'from' and 'to' arguments passed to builtins.replaceStrings have different lengths").at(pos));
            }
            let s = ev.expect_string(&a[2], pos, arg_ctx("third", "replaceStrings"))?;
            let froms: Vec<NixString> = from
                .iter()
                .map(|x| ev.expect_string(x, pos, "while evaluating one of the strings to replace passed to builtins.replaceStrings"))
                .collect::<Result<_>>()?;
            // `to` strings are forced lazily, only when used (C++ Nix >= 2.16).
            let mut to_cache: Vec<Option<NixString>> = vec![None; to.len()];
            let mut ctx = s.context().clone();
            let b = s.as_bytes();
            let mut out = Vec::with_capacity(b.len());
            let mut i = 0;
            while i <= b.len() {
                let mut matched = false;
                for (k, f) in froms.iter().enumerate() {
                    let fb = f.as_bytes();
                    if b[i..].starts_with(fb) {
                        matched = true;
                        if to_cache[k].is_none() {
                            to_cache[k] = Some(ev.expect_string(&to[k], pos, "while evaluating one of the replacement strings passed to builtins.replaceStrings")?);
                        }
                        let t = to_cache[k]
                            .as_ref()
                            .map(|t| (t.as_bytes().to_vec(), t.context().clone()));
                        if let Some((tb, tctx)) = t {
                            out.extend_from_slice(&tb);
                            ctx = ctx.union(&tctx);
                        }
                        if fb.is_empty() {
                            if i < b.len() {
                                out.push(b[i]);
                            }
                            i += 1;
                        } else {
                            i += fb.len();
                        }
                        break;
                    }
                }
                if !matched {
                    if i < b.len() {
                        out.push(b[i]);
                    }
                    i += 1;
                }
            }
            Ok(Value::String(NixString::with_context(out, ctx)))
        })
        .forcing(&[(0, ArgType::List), (1, ArgType::Any)]),
        Builtin::function("baseNameOf", 1, |ev, pos, a| {
            let v = ev.force(&a[0], pos)?;
            let s = coerce(
                ev,
                &v,
                pos,
                "while evaluating the first argument passed to builtins.baseNameOf",
                PLAIN,
            )?;
            let mut b = s.as_bytes();
            if b.ends_with(b"/") && b.len() > 1 {
                b = &b[..b.len() - 1];
            }
            let base = match b.iter().rposition(|&c| c == b'/') {
                Some(p) => &b[p + 1..],
                None => b,
            };
            Ok(Value::String(NixString::with_context(
                base.to_vec(),
                s.context().clone(),
            )))
        })
        .forcing(&[(0, ArgType::Any)])
        .plain(),
        Builtin::function("dirOf", 1, |ev, pos, a| {
            let v = ev.force(&a[0], pos)?;
            // The parent of a path stays in its tree (`<nix/...>`).
            if let Value::Path(p) = &v {
                let b = p.as_bytes();
                let dir: &[u8] = match b.iter().rposition(|&c| c == b'/') {
                    _ if b == crate::corepkgs::ROOT => b,
                    Some(0) | None => b"/",
                    Some(i) => &b[..i],
                };
                return Ok(Value::Path(NixString::new(dir)));
            }
            let s = coerce(
                ev,
                &v,
                pos,
                "while evaluating the first argument passed to 'builtins.dirOf'",
                PLAIN,
            )?;
            let b = s.as_bytes();
            let dir: &[u8] = match b.iter().rposition(|&c| c == b'/') {
                Some(0) => b"/",
                Some(p) => &b[..p],
                None => b".",
            };
            Ok(Value::String(NixString::with_context(
                dir.to_vec(),
                s.context().clone(),
            )))
        })
        .forcing(&[(0, ArgType::Any)])
        .plain(),
        Builtin::function("toPath", 1, |ev, pos, a| {
            // C++ coerceToPath: an error forcing the argument gets the
            // argument's frame too (coerceToString's does not).
            let v = ev
                .force(&a[0], pos)
                .map_err(|e| e.with_trace(pos, arg_ctx("first", "toPath").into_message()))?;
            let s = coerce(ev, &v, pos, arg_ctx("first", "toPath"), PLAIN)?;
            if !s.as_bytes().starts_with(b"/") {
                // As C++ coerceToPath: with the argument's frame.
                return Err(Error::eval(format!(
                    "string '{}' doesn't represent an absolute path",
                    s.to_str_lossy()
                ))
                .at(pos)
                .with_trace(pos, arg_ctx("first", "toPath").into_message()));
            }
            let canon = crate::path::canonicalise(s.as_bytes());
            Ok(Value::String(NixString::with_context(
                canon,
                s.context().clone(),
            )))
        })
        .forcing(&[(0, ArgType::Any)]),
    ]
}

#[allow(dead_code)]
fn empty_ctx() -> Context {
    Context::Empty
}
