//! `builtins.fromTOML`, through the `toml` crate. Timestamps (an
//! experimental feature in C++ Nix) are rejected as C++ Nix 2.26 does by
//! default.

use super::{Builtin, arg_ctx};
use crate::{
    Attr, Attrs, Pos, Symbol, Value,
    errors::{Error, Result},
};

/// C++ Nix reports a NUL byte from inside its TOML parser's error.
fn no_nul(s: &str) -> Result<()> {
    super::no_nul_bytes(s)
        .map_err(|e| Error::eval(format!("while parsing TOML: error: {}", e.message())))
}

fn convert(v: toml::Value) -> Result<Value> {
    Ok(match v {
        toml::Value::String(s) => {
            no_nul(&s)?;
            Value::string(s)
        }
        toml::Value::Integer(i) => Value::Int(i),
        toml::Value::Float(f) => Value::Float(f),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(_) => {
            return Err(Error::eval(
                "while parsing TOML: Dates and times are not supported",
            ));
        }
        toml::Value::Array(a) => Value::list(a.into_iter().map(convert).collect::<Result<_>>()?),
        toml::Value::Table(t) => {
            let mut entries = Vec::with_capacity(t.len());
            for (k, v) in t {
                no_nul(&k)?;
                entries.push(Attr {
                    name: Symbol::new(k.as_bytes()),
                    pos: Pos::NONE,
                    value: convert(v)?,
                });
            }
            Value::attrs(Attrs::from_unsorted(entries))
        }
    })
}

pub(super) fn builtins() -> Vec<Builtin> {
    vec![
        Builtin::function("fromTOML", 1, |ev, pos, a| {
            let s = ev.expect_string(&a[0], pos, arg_ctx("first", "fromTOML"))?;
            let text = std::str::from_utf8(s.as_bytes())
                .map_err(|_| Error::eval("while parsing TOML: invalid UTF-8").at(pos))?;
            let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
                Error::eval(format!("while parsing TOML: {}", e.message())).at(pos)
            })?;
            convert(toml::Value::Table(table)).map_err(|e| e.at(pos))
        })
        .plain(),
    ]
}
