//! Printing a value as `nix repl` shows it (C++ `printValue` with the REPL's
//! options: forcing as it goes, a depth limit, derivations as their `.drv`
//! path, sets and lists of more than one item on indented lines). Colours
//! are left out. The other printers (`--eval` output, values in errors)
//! never force and live in `print`.

use std::{fmt::Write as _, rc::Rc};

use rustc_hash::FxHashSet;

use crate::{
    Evaluation, Pos, Result, Symbol, Value,
    eval::Evaluator,
    print::{format_float, write_attr_name, write_string_literal},
};

struct ReplPrinter<'a> {
    ev: &'a Evaluator,
    out: String,
    max_depth: usize,
    indent: usize,
    seen: FxHashSet<usize>,
}

impl ReplPrinter<'_> {
    fn lossy(b: &[u8]) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(b)
    }

    /// Prints `v`; an error forcing a nested value is shown in its place
    /// (`«error: ...»`), at the top it is returned.
    fn print(&mut self, v: &Value, depth: usize) -> Result<()> {
        let v = match self.ev.force(v, Pos::NONE) {
            Ok(v) => v,
            Err(e) if depth > 0 => {
                let _ = write!(self.out, "«error: {}»", e.message());
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        match &v {
            Value::Null => self.out.push_str("null"),
            Value::Bool(crate::AlignedBool(b)) => {
                self.out.push_str(if *b { "true" } else { "false" })
            }
            Value::Int(i) => {
                let _ = write!(self.out, "{i}");
            }
            Value::Float(f) => self.out.push_str(&format_float(*f)),
            Value::String(s) => {
                let mut b = Vec::new();
                write_string_literal(&mut b, s.as_bytes());
                self.out.push_str(&Self::lossy(&b));
            }
            Value::Path(p) => self
                .out
                .push_str(&Self::lossy(&crate::corepkgs::display(p.as_bytes()))),
            Value::Attrs(a) => self.print_attrs(a, depth)?,
            Value::List(l) => {
                if !l.is_empty() && !self.seen.insert(Rc::as_ptr(l) as usize) {
                    self.out.push_str("«repeated»");
                    return Ok(());
                }
                if depth >= self.max_depth {
                    self.out.push_str("[ ... ]");
                    return Ok(());
                }
                let items: Vec<Value> = l.iter().cloned().collect();
                let pretty = self.pretty(&items)?;
                self.out.push('[');
                self.indent += 2;
                for item in &items {
                    self.space(pretty);
                    self.print(item, depth + 1)?;
                }
                self.indent -= 2;
                self.space(pretty);
                self.out.push(']');
            }
            Value::Lambda(_) | Value::PrimOp(_) | Value::PrimOpApp(_) => {
                self.out.push_str(&crate::print::error_repr(&v));
            }
            Value::Thunk(_) => self.out.push_str("«thunk»"),
        }
        Ok(())
    }

    fn print_attrs(&mut self, a: &Rc<crate::Attrs>, depth: usize) -> Result<()> {
        if !self.seen.insert(Rc::as_ptr(a) as usize) {
            self.out.push_str("«repeated»");
            return Ok(());
        }
        if self.ev.is_derivation(a)? {
            let path = match a.get(Symbol::new(b"drvPath")) {
                Some(p) => match self.ev.force(p, Pos::NONE).as_ref() {
                    Ok(Value::String(s)) => Self::lossy(s.as_bytes()).into_owned(),
                    _ => "???".to_owned(),
                },
                None => "???".to_owned(),
            };
            let _ = write!(self.out, "«derivation {path}»");
            return Ok(());
        }
        if depth >= self.max_depth {
            self.out.push_str("{ ... }");
            return Ok(());
        }
        let sorted = a.sorted_by_name();
        let values: Vec<Value> = sorted.iter().map(|x| x.value.clone()).collect();
        let pretty = self.pretty(&values)?;
        self.out.push('{');
        self.indent += 2;
        for attr in sorted {
            self.space(pretty);
            let mut name = Vec::new();
            write_attr_name(&mut name, attr.name.as_bytes());
            self.out.push_str(&Self::lossy(&name));
            self.out.push_str(" = ");
            self.print(&attr.value, depth + 1)?;
            self.out.push(';');
        }
        self.indent -= 2;
        self.space(pretty);
        self.out.push('}');
        Ok(())
    }

    /// Indented lines for more than one item, or one that is itself a set
    /// or list.
    fn pretty(&self, items: &[Value]) -> Result<bool> {
        Ok(match items {
            [] => false,
            // C++ forces the item here and lets an error through.
            [one] => matches!(
                self.ev.force(one, Pos::NONE)?,
                Value::Attrs(_) | Value::List(_)
            ),
            _ => true,
        })
    }

    fn space(&mut self, pretty: bool) {
        if pretty {
            self.out.push('\n');
            self.out.extend(std::iter::repeat_n(' ', self.indent));
        } else {
            self.out.push(' ');
        }
    }
}

impl Evaluation {
    /// `v` as `nix repl` prints it: forced down to `max_depth` levels of
    /// sets and lists (1 for a plain expression, unlimited for `:p`), an
    /// error in a nested value shown in its place.
    pub fn repl_print(&self, v: &Value, max_depth: usize) -> Result<String> {
        let mut p = ReplPrinter {
            ev: self.evaluator(),
            out: String::new(),
            max_depth,
            indent: 0,
            seen: FxHashSet::default(),
        };
        p.print(v, 0)?;
        Ok(p.out)
    }
}
