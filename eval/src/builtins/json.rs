//! JSON: `toJSON` (also `nix-instantiate --json`) and `fromJSON`, with
//! C++ Nix's (nlohmann's) number formatting and error messages.

use super::{Builtin, arg_ctx};
use crate::ArgType;
use crate::{
    Context, NixString, Pos, Value,
    errors::{Error, Result},
    eval::{Evaluator, ops::Coercion},
    symbol::known,
};

/// nlohmann::json's float output: shortest round-trip digits, fixed notation
/// for decimal exponents in (-5, 15], else `1e+100` style.
#[must_use]
pub(crate) fn json_float(f: f64) -> String {
    if !f.is_finite() {
        return "null".to_owned();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0" } else { "0.0" }.to_owned();
    }
    let sci = format!("{:e}", f.abs());
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i32;
    let n = exp + 1;
    let body = if k <= n && n <= 15 {
        format!("{digits}{}.0", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 15 {
        format!("{}.{}", &digits[..n as usize], &digits[n as usize..])
    } else if -4 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let e = n - 1;
        let m = if k == 1 {
            digits.clone()
        } else {
            format!("{}.{}", &digits[..1], &digits[1..])
        };
        format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
    };
    if f < 0.0 { format!("-{body}") } else { body }
}

fn json_string(out: &mut Vec<u8>, s: &[u8]) -> Result<()> {
    if let Err(e) = std::str::from_utf8(s) {
        let i = e.valid_up_to();
        return Err(Error::eval(format!(
            "JSON serialization error: [json.exception.type_error.316] invalid UTF-8 byte at index {i}: 0x{:02X}",
            s[i]
        )));
    }
    out.push(b'"');
    for &c in s {
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            c if c < 0x20 => out.extend_from_slice(format!("\\u{c:04x}").as_bytes()),
            c => out.push(c),
        }
    }
    out.push(b'"');
    Ok(())
}

impl Evaluator {
    /// `builtins.toJSON` of a value, forcing it deeply and adding the string
    /// contexts met (and paths copied to the store) to `ctx`, as
    /// `derivationStrict` does for structured attributes.
    pub fn to_json(&self, v: &Value, pos: Pos, ctx: &mut Context) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        to_json(self, v, pos, true, true, &mut out, ctx)?;
        Ok(out)
    }
}

/// Serialises a value as C++ Nix's `printValueAsJSON`. With `strict`
/// false, unevaluated values are an error, as in `nix-instantiate --json`.
pub(crate) fn to_json(
    ev: &Evaluator,
    v: &Value,
    pos: Pos,
    strict: bool,
    copy_to_store: bool,
    out: &mut Vec<u8>,
    ctx: &mut Context,
) -> Result<()> {
    // Not strict: a thunk forced earlier is its value (C++ overwrites a
    // forced thunk in place); only one never forced is an error.
    let v = match v {
        _ if strict => ev.force(v, pos)?,
        Value::Thunk(t) => t.value().unwrap_or_else(|| v.clone()),
        _ => v.clone(),
    };
    ev.nested(crate::eval::Nesting::Json, || match &v {
        Value::Int(i) => {
            out.extend_from_slice(i.to_string().as_bytes());
            Ok(())
        }
        Value::Bool(crate::AlignedBool(b)) => {
            out.extend_from_slice(if *b { b"true" } else { b"false" });
            Ok(())
        }
        Value::Null => {
            out.extend_from_slice(b"null");
            Ok(())
        }
        Value::Float(f) => {
            out.extend_from_slice(json_float(*f).as_bytes());
            Ok(())
        }
        Value::String(s) => {
            *ctx = ctx.union(s.context());
            json_string(out, s.as_bytes())
        }
        Value::Path(p) => {
            if copy_to_store {
                let s = ev.io.import_path(p.as_bytes())?;
                *ctx = ctx.union(s.context());
                json_string(out, s.as_bytes())
            } else {
                json_string(out, p.as_bytes())
            }
        }
        Value::Attrs(a) => {
            if a.get(known::to_string()).is_some() {
                let s = ev.coerce_to_string(
                    &v,
                    pos,
                    Coercion {
                        more: false,
                        copy_to_store: false,
                    },
                )?;
                *ctx = ctx.union(s.context());
                return json_string(out, s.as_bytes());
            }
            if let Some(o) = a.get_attr(known::out_path()) {
                return to_json(ev, &o.value, o.pos, strict, copy_to_store, out, ctx);
            }
            out.push(b'{');
            for (i, attr) in a.sorted_by_name().into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                json_string(out, attr.name.as_bytes())?;
                out.push(b':');
                to_json(ev, &attr.value, attr.pos, strict, copy_to_store, out, ctx).map_err(
                    |e| {
                        e.with_trace(
                            attr.pos,
                            format!("while evaluating attribute '{}'", attr.name.quoted()),
                        )
                    },
                )?;
            }
            out.push(b'}');
            Ok(())
        }
        Value::List(l) => {
            out.push(b'[');
            for (i, item) in l.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                to_json(ev, item, pos, strict, copy_to_store, out, ctx).map_err(|e| {
                    e.with_trace(pos, format!("while evaluating list element at index {i}"))
                })?;
            }
            out.push(b']');
            Ok(())
        }
        // C++ places the error at `v.determinePos(pos)`: a function's own
        // position, else the enclosing one.
        other => Err(
            Error::type_error(format!("cannot convert {} to JSON", other.show_type()))
                .at(other.determine_pos(pos)),
        ),
    })
}

pub(super) fn builtins() -> Vec<Builtin> {
    vec![
        Builtin::function("toJSON", 1, |ev, pos, a| {
            let mut out = Vec::new();
            let mut ctx = Context::Empty;
            to_json(ev, &a[0], pos, true, true, &mut out, &mut ctx)?;
            Ok(Value::String(NixString::with_context(out, ctx)))
        })
        .forcing(&[(0, ArgType::Any)]),
        Builtin::function("fromJSON", 1, |ev, pos, a| {
            let s = ev.expect_string_no_ctx(&a[0], pos, arg_ctx("first", "fromJSON"))?;
            super::json_parse::from_json(s.as_bytes()).map_err(|(e, nlohmann)| {
                if nlohmann {
                    e.with_trace(pos, "while decoding a JSON string")
                } else {
                    e
                }
            })
        })
        .forcing(&[(0, ArgType::Any)]),
    ]
}

#[cfg(test)]
mod tests {
    use super::json_float;

    #[test]
    fn floats_like_nlohmann() {
        for (f, s) in [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1e100, "1e+100"),
            (1.5e-7, "1.5e-07"),
            (123456789.123, "123456789.123"),
            (1.0 / 3.0, "0.3333333333333333"),
            (1e20, "1e+20"),
            (1e-300, "1e-300"),
            (0.00001, "1e-05"),
            (0.0001, "0.0001"),
        ] {
            assert_eq!(json_float(f), s);
        }
    }
}
