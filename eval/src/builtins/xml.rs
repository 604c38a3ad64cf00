//! XML: `builtins.toXML` and `nix-instantiate --xml`, byte for byte as C++
//! Nix's `printValueAsXML` (attributes sorted by name, two-space indent).

use std::collections::BTreeMap;

use super::Builtin;
use crate::{Context, NixString, Pos, Value, errors::Result, eval::Evaluator, symbol::known};

struct Writer {
    out: Vec<u8>,
    /// The elements opened and not closed yet, innermost last.
    open: Vec<&'static str>,
}

type XmlAttrs = BTreeMap<&'static str, Vec<u8>>;

impl Writer {
    fn attrs(&mut self, attrs: &XmlAttrs) {
        for (k, v) in attrs {
            self.out.push(b' ');
            self.out.extend_from_slice(k.as_bytes());
            self.out.extend_from_slice(b"=\"");
            for &c in v {
                match c {
                    b'"' => self.out.extend_from_slice(b"&quot;"),
                    b'<' => self.out.extend_from_slice(b"&lt;"),
                    b'>' => self.out.extend_from_slice(b"&gt;"),
                    b'&' => self.out.extend_from_slice(b"&amp;"),
                    b'\n' => self.out.extend_from_slice(b"&#xA;"),
                    c => self.out.push(c),
                }
            }
            self.out.push(b'"');
        }
    }
    fn indent(&mut self) {
        self.out
            .extend(std::iter::repeat_n(b' ', self.open.len() * 2));
    }
    fn open(&mut self, name: &'static str, attrs: &XmlAttrs) {
        self.indent();
        self.out.push(b'<');
        self.out.extend_from_slice(name.as_bytes());
        self.attrs(attrs);
        self.out.extend_from_slice(b">\n");
        self.open.push(name);
    }
    /// Closes the innermost open element.
    fn close(&mut self) {
        if let Some(name) = self.open.pop() {
            self.indent();
            self.out
                .extend_from_slice(format!("</{name}>\n").as_bytes());
        }
    }
    fn empty(&mut self, name: &str, attrs: &XmlAttrs) {
        self.indent();
        self.out.push(b'<');
        self.out.extend_from_slice(name.as_bytes());
        self.attrs(attrs);
        self.out.extend_from_slice(b" />\n");
    }
}

fn one(k: &'static str, v: impl Into<Vec<u8>>) -> XmlAttrs {
    let mut m = BTreeMap::new();
    m.insert(k, v.into());
    m
}

struct Ctx<'a> {
    ev: &'a Evaluator,
    strict: bool,
    location: bool,
    context: Context,
    drvs_seen: std::collections::HashSet<Vec<u8>>,
}

impl Ctx<'_> {
    fn pos_attrs(&self, attrs: &mut XmlAttrs, pos: Pos) {
        if !self.location {
            return;
        }
        if let Some(l) = self.ev.sources.locate(pos) {
            // C++ `posToXML`: a path only for positions in files.
            if let Some(path) = l.file.origin.cpp_path() {
                attrs.insert("path", path);
            }
            attrs.insert("line", l.line.to_string().into_bytes());
            attrs.insert("column", l.column.to_string().into_bytes());
        }
    }

    fn show_attrs(&mut self, w: &mut Writer, a: &crate::Attrs) -> Result<()> {
        for attr in a.sorted_by_name() {
            let mut xa = one("name", attr.name.as_bytes());
            if attr.pos.is_some() {
                self.pos_attrs(&mut xa, attr.pos);
            }
            w.open("attr", &xa);
            self.value(w, &attr.value, attr.pos)?;
            w.close();
        }
        Ok(())
    }

    fn value(&mut self, w: &mut Writer, v: &Value, pos: Pos) -> Result<()> {
        let v = if self.strict {
            self.ev.force(v, pos)?
        } else {
            current(v)
        };
        self.ev.nested(crate::eval::Nesting::Xml, || match &v {
            Value::Int(i) => {
                w.empty("int", &one("value", i.to_string()));
                Ok(())
            }
            Value::Bool(crate::AlignedBool(b)) => {
                w.empty("bool", &one("value", if *b { "true" } else { "false" }));
                Ok(())
            }
            Value::String(s) => {
                self.context = self.context.union(s.context());
                w.empty("string", &one("value", s.as_bytes()));
                Ok(())
            }
            Value::Path(p) => {
                w.empty("path", &one("value", p.as_bytes()));
                Ok(())
            }
            Value::Null => {
                w.empty("null", &XmlAttrs::new());
                Ok(())
            }
            Value::Float(f) => {
                w.empty("float", &one("value", crate::print::format_float(*f)));
                Ok(())
            }
            Value::Attrs(a) => {
                if self.ev.is_derivation(a)? {
                    let mut xa = XmlAttrs::new();
                    let mut drv_path = Vec::new();
                    if let Some(d) = a.get_attr(known::drv_path()) {
                        let dv = if self.strict {
                            self.ev.force(&d.value, d.pos)?
                        } else {
                            current(&d.value)
                        };
                        if let Value::String(s) = &dv {
                            drv_path = s.as_bytes().to_vec();
                            xa.insert("drvPath", drv_path.clone());
                        }
                    }
                    if let Some(o) = a.get_attr(known::out_path()) {
                        let ov = if self.strict {
                            self.ev.force(&o.value, o.pos)?
                        } else {
                            current(&o.value)
                        };
                        if let Value::String(s) = &ov {
                            xa.insert("outPath", s.as_bytes().to_vec());
                        }
                    }
                    w.open("derivation", &xa);
                    if !drv_path.is_empty() && self.drvs_seen.insert(drv_path) {
                        self.show_attrs(w, a)?;
                    } else {
                        w.empty("repeated", &XmlAttrs::new());
                    }
                    w.close();
                } else {
                    w.open("attrs", &XmlAttrs::new());
                    self.show_attrs(w, a)?;
                    w.close();
                }
                Ok(())
            }
            Value::List(l) => {
                w.open("list", &XmlAttrs::new());
                for item in l.iter() {
                    self.value(w, item, pos)?;
                }
                w.close();
                Ok(())
            }
            Value::Lambda(c) => {
                let mut xa = XmlAttrs::new();
                self.pos_attrs(&mut xa, c.lambda.pos);
                w.open("function", &xa);
                match &c.lambda.formals {
                    Some((formals, ellipsis)) => {
                        let mut pa = XmlAttrs::new();
                        if let Some(a) = c.lambda.arg {
                            pa.insert("name", a.as_bytes().to_vec());
                        }
                        if *ellipsis {
                            pa.insert("ellipsis", b"1".to_vec());
                        }
                        w.open("attrspat", &pa);
                        let mut names: Vec<&[u8]> =
                            formals.iter().map(|f| f.name.as_bytes()).collect();
                        names.sort();
                        for n in names {
                            w.empty("attr", &one("name", n));
                        }
                        w.close();
                    }
                    None => {
                        let name = c.lambda.arg.map(|a| a.as_bytes()).unwrap_or(b"");
                        w.empty("varpat", &one("name", name));
                    }
                }
                w.close();
                Ok(())
            }
            _ => {
                w.empty("unevaluated", &XmlAttrs::new());
                Ok(())
            }
        })
    }
}

/// Renders a value as C++ Nix's XML (`location`: include `path`, `line`,
/// `column` attributes). Returns the document and the strings' context.
pub(crate) fn to_xml(
    ev: &Evaluator,
    v: &Value,
    strict: bool,
    location: bool,
) -> Result<(Vec<u8>, Context)> {
    let (out, context, r) = to_xml_partial(ev, v, strict, location);
    r.map(|()| (out, context))
}

/// [`to_xml`] that also returns what was written before an error, with
/// every element still open closed: what `nix-instantiate --xml` prints
/// (C++ Nix writes the document as it goes, and its element writers close
/// their tags while the error unwinds).
pub(crate) fn to_xml_partial(
    ev: &Evaluator,
    v: &Value,
    strict: bool,
    location: bool,
) -> (Vec<u8>, Context, Result<()>) {
    let mut w = Writer {
        out: b"<?xml version='1.0' encoding='utf-8'?>\n".to_vec(),
        open: Vec::new(),
    };
    let mut c = Ctx {
        ev,
        strict,
        location,
        context: Context::Empty,
        drvs_seen: Default::default(),
    };
    w.open("expr", &XmlAttrs::new());
    let r = c.value(&mut w, v, Pos::NONE);
    while !w.open.is_empty() {
        w.close();
    }
    (w.out, c.context, r)
}

pub(super) fn builtins() -> Vec<Builtin> {
    vec![Builtin::function("toXML", 1, |ev, pos, a| {
        let v = ev.force(&a[0], pos)?;
        let (out, ctx) = to_xml(ev, &v, true, false)?;
        Ok(Value::String(NixString::with_context(out, ctx)))
    })]
}

/// Without `--strict`: a thunk forced earlier is its value (C++ overwrites a
/// forced thunk in place); one never forced stays a thunk (`<unevaluated />`).
fn current(v: &Value) -> Value {
    match v {
        Value::Thunk(t) => t.value().unwrap_or_else(|| v.clone()),
        _ => v.clone(),
    }
}
