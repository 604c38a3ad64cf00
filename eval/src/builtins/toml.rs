//! `builtins.fromTOML`, through the `toml` crate. Timestamps are rejected
//! as C++ Nix 2.26 does by default; with its experimental feature
//! `parse-toml-timestamps` each becomes `{ _type = "timestamp"; value; }`,
//! `value` being the timestamp as the reference C++ Nix 2.26.3's TOML
//! library writes it back: the source text (precision, a `t` or a space
//! between date and time kept), with a zero offset written `Z`. The source
//! text comes from a second, spanned parse, done only when the document has
//! timestamps to show.

use super::Builtin;
use crate::{
    Attr, Attrs, Pos, Symbol, Value,
    errors::{Error, Result},
};

/// C++ Nix reports a NUL byte from inside its TOML parser's error.
fn no_nul(s: &str) -> Result<()> {
    super::no_nul_bytes(s)
        .map_err(|e| Error::eval(format!("while parsing TOML: error: {}", e.message())))
}

/// A timestamp's source text as C++ Nix shows it.
fn timestamp_text(raw: &str) -> String {
    let mut t = raw.trim().to_owned();
    if t.ends_with('z') {
        t.pop();
        t.push('Z');
    }
    // A date-time with offset +00:00 or -00:00 (not a bare time).
    if t.len() > 19 && (t.ends_with("+00:00") || t.ends_with("-00:00")) {
        t.truncate(t.len() - 6);
        t.push('Z');
    }
    t
}

/// How values are converted: whether timestamps are allowed, and the
/// source with its spanned parse (to show them).
struct Conv<'a> {
    timestamps: bool,
    text: &'a str,
}

type Spanned<'i> = toml::Spanned<toml::de::DeValue<'i>>;

fn convert(v: toml::Value, raw: Option<&Spanned<'_>>, c: &Conv<'_>) -> Result<Value> {
    use toml::de::DeValue;
    Ok(match v {
        toml::Value::String(s) => {
            no_nul(&s)?;
            Value::string(s)
        }
        toml::Value::Integer(i) => Value::Int(i),
        toml::Value::Float(f) => Value::Float(f),
        toml::Value::Boolean(b) => Value::bool(b),
        toml::Value::Datetime(d) => {
            if !c.timestamps {
                return Err(Error::eval(
                    "while parsing TOML: Dates and times are not supported",
                ));
            }
            let shown = match raw.and_then(|r| c.text.get(r.span())) {
                Some(src) => timestamp_text(src),
                None => d.to_string(),
            };
            no_nul(&shown)?;
            Value::attrs(Attrs::from_unsorted(vec![
                Attr {
                    name: Symbol::new(b"_type"),
                    pos: Pos::NONE,
                    value: Value::string("timestamp"),
                },
                Attr {
                    name: Symbol::new(b"value"),
                    pos: Pos::NONE,
                    value: Value::string(shown),
                },
            ]))
        }
        toml::Value::Array(a) => {
            let items = match raw.map(toml::Spanned::get_ref) {
                Some(DeValue::Array(r)) => Some(r),
                _ => None,
            };
            Value::list(
                a.into_iter()
                    .enumerate()
                    .map(|(i, x)| convert(x, items.and_then(|r| r.get(i)), c))
                    .collect::<Result<_>>()?,
            )
        }
        toml::Value::Table(t) => {
            let table = match raw.map(toml::Spanned::get_ref) {
                Some(DeValue::Table(r)) => Some(r),
                _ => None,
            };
            convert_table(t, table, c)?
        }
    })
}

fn convert_table(
    t: toml::Table,
    raw: Option<&toml::de::DeTable<'_>>,
    c: &Conv<'_>,
) -> Result<Value> {
    let mut entries = Vec::with_capacity(t.len());
    for (k, v) in t {
        no_nul(&k)?;
        let r = raw.and_then(|r| {
            r.iter()
                .find(|(rk, _)| rk.get_ref().as_ref() == k.as_str())
                .map(|(_, rv)| rv)
        });
        entries.push(Attr {
            name: Symbol::new(k.as_bytes()),
            pos: Pos::NONE,
            value: convert(v, r, c)?,
        });
    }
    Ok(Value::attrs(Attrs::from_unsorted(entries)))
}

fn has_datetime(v: &toml::Value) -> bool {
    match v {
        toml::Value::Datetime(_) => true,
        toml::Value::Array(a) => a.iter().any(has_datetime),
        toml::Value::Table(t) => t.values().any(has_datetime),
        _ => false,
    }
}

pub(super) fn builtins() -> Vec<Builtin> {
    vec![
        Builtin::function("fromTOML", 1, |ev, pos, a| {
            let s = ev.expect_string_no_ctx(
                &a[0],
                pos,
                "while evaluating the argument passed to builtins.fromTOML",
            )?;
            let text = std::str::from_utf8(s.as_bytes())
                .map_err(|_| Error::eval("while parsing TOML: invalid UTF-8").at(pos))?;
            let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
                Error::eval(format!("while parsing TOML: {}", e.message())).at(pos)
            })?;
            let c = Conv {
                timestamps: ev.settings.toml_timestamps,
                text,
            };
            let spanned = if c.timestamps && table.values().any(has_datetime) {
                toml::de::DeTable::parse(text).ok()
            } else {
                None
            };
            convert_table(table, spanned.as_ref().map(toml::Spanned::get_ref), &c)
                .map_err(|e| e.at(pos))
        })
        .plain(),
    ]
}
