//! Printing values as C++ Nix does.
//!
//! * [`print_ambiguous`]: `nix-instantiate --eval` output (`<CODE>`,
//!   `<LAMBDA>`, `«repeated»` for a set or list already printed);
//! * [`error_repr`]: values inside error messages (C++ `ValuePrinter` with
//!   `errorPrintOptions`: depth, attribute and item limits, `«thunk»`);
//! * [`trace_repr`]: `builtins.trace` output (no limits);
//! * floats in `%g` style ([`format_float`]) and attribute names quoted when
//!   they are not identifiers.

use std::{fmt::Write as _, rc::Rc};

use rustc_hash::FxHashSet;

use crate::Value;

/// `std::ostream << double` with the default precision: `%g` with 6
/// significant digits.
#[must_use]
pub fn format_float(f: f64) -> String {
    if f.is_nan() {
        return if f.is_sign_negative() { "-nan" } else { "nan" }.to_owned();
    }
    if f.is_infinite() {
        return if f < 0.0 { "-inf" } else { "inf" }.to_owned();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.to_owned();
    }
    let sci = format!("{f:.5e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..6).contains(&exp) {
        let decimals = (5 - exp).max(0) as usize;
        let s = format!("{f:.decimals$}");
        strip_zeros(&s)
    } else {
        let m = strip_zeros(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{m}e{sign}{:02}", exp.abs())
    }
}

fn strip_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s.to_owned()
    }
}

/// A string literal as C++ Nix's `printLiteralString` writes it.
pub(crate) fn write_string_literal(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    for (i, &c) in s.iter().enumerate() {
        match c {
            b'"' | b'\\' => {
                out.push(b'\\');
                out.push(c);
            }
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'$' if s.get(i + 1) == Some(&b'{') => out.extend_from_slice(b"\\$"),
            c => out.push(c),
        }
    }
    out.push(b'"');
}

fn is_reserved(s: &[u8]) -> bool {
    matches!(
        s,
        b"if" | b"then" | b"else" | b"assert" | b"with" | b"let" | b"in" | b"rec" | b"inherit"
    )
}

/// C++ `printIdentifier` (used by `nix-instantiate --eval` for names).
pub(crate) fn write_identifier(out: &mut Vec<u8>, s: &[u8]) {
    if s.is_empty() {
        out.extend_from_slice(b"\"\"");
    } else if is_reserved(s) {
        out.push(b'"');
        out.extend_from_slice(s);
        out.push(b'"');
    } else {
        let c = s[0];
        let ok_first = c.is_ascii_alphabetic() || c == b'_';
        let ok_rest = s
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'\'' || c == b'-');
        if ok_first && ok_rest {
            out.extend_from_slice(s);
        } else {
            write_string_literal(out, s);
        }
    }
}

/// [`write_identifier`] into a `String` (lossy): a symbol as C++ Nix
/// formats it into messages.
#[must_use]
pub(crate) fn attr_ident_repr(s: &[u8]) -> String {
    let mut out = Vec::new();
    write_identifier(&mut out, s);
    String::from_utf8_lossy(&out).into_owned()
}

/// C++ `printAttributeName`: the name, quoted unless it is a variable name.
pub(crate) fn write_attr_name(out: &mut Vec<u8>, s: &[u8]) {
    let var_name = !s.is_empty()
        && !is_reserved(s)
        && !matches!(s[0], b'0'..=b'9' | b'-' | b'\'')
        && s.iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'\'');
    if var_name {
        out.extend_from_slice(s);
    } else {
        write_string_literal(out, s);
    }
}

/// [`write_attr_name`] into a `String` (lossy).
#[must_use]
pub(crate) fn attr_name_repr(s: &[u8]) -> String {
    let mut out = Vec::new();
    write_attr_name(&mut out, s);
    String::from_utf8_lossy(&out).into_owned()
}

/// Where a value being printed sits, for telling repeated lists apart.
///
/// C++ Nix remembers a set by its attribute table, which every copy shares,
/// but a list by the address of the `Value` cell holding it (`Printer`), or
/// of its element array (`printAmbiguous`), and that array is inside the
/// cell for lists of one or two elements. Copying such a value to another
/// cell (the result of a call, a variable as a whole expression, `head`...)
/// makes it a different list for `«repeated»`. Our cells are thunks: a list
/// reached through a thunk is that thunk's, one held directly is its own.
#[derive(Clone, Copy)]
enum Cell {
    /// A cell nothing else refers to (the result `nix-instantiate` prints).
    Fresh,
    /// The value is held directly (by a list, set or environment).
    Direct,
    /// The value of this thunk.
    Thunk(usize),
}

impl Cell {
    fn of(t: &crate::value::Thunk) -> Cell {
        Cell::Thunk(crate::value::Shared::as_ptr(&t.0) as usize)
    }

    /// The identity of a list in this cell, `None` when it cannot have been
    /// seen before. `cell_bound` says whether the identity is the cell's.
    fn list_key(self, l: &crate::value::NixList, cell_bound: bool) -> Option<usize> {
        let own = Rc::as_ptr(l) as *const u8 as usize;
        match self {
            _ if !cell_bound => Some(own),
            Cell::Fresh => None,
            Cell::Direct => Some(own),
            Cell::Thunk(t) => Some(t),
        }
    }
}

/// `nix-instantiate --eval` output of a value (`printAmbiguous`).
pub fn print_ambiguous(v: &Value, out: &mut Vec<u8>) {
    let mut seen = FxHashSet::default();
    ambiguous(v, out, &mut seen, Cell::Fresh);
}

fn ambiguous(v: &Value, out: &mut Vec<u8>, seen: &mut FxHashSet<usize>, cell: Cell) {
    stacker::maybe_grow(256 * 1024, 4 * 1024 * 1024, || match v {
        Value::Int(i) => {
            let _ = write!(Wr(out), "{i}");
        }
        Value::Bool(crate::AlignedBool(b)) => {
            out.extend_from_slice(if *b { b"true" } else { b"false" })
        }
        Value::String(s) => write_string_literal(out, s.as_bytes()),
        Value::Path(p) => out.extend_from_slice(&crate::corepkgs::display(p.as_bytes())),
        Value::Null => out.extend_from_slice(b"null"),
        Value::Float(f) => out.extend_from_slice(format_float(*f).as_bytes()),
        Value::Attrs(a) => {
            if !a.is_empty() && !seen.insert(Rc::as_ptr(a) as usize) {
                out.extend_from_slice("«repeated»".as_bytes());
                return;
            }
            out.extend_from_slice(b"{ ");
            for attr in a.sorted_by_name() {
                write_identifier(out, attr.name.as_bytes());
                out.extend_from_slice(b" = ");
                ambiguous(&attr.value, out, seen, Cell::Direct);
                out.extend_from_slice(b"; ");
            }
            out.push(b'}');
        }
        Value::List(l) => {
            // Lists of one or two elements keep them inside their cell.
            let key = cell.list_key(l, l.len() <= 2);
            if !l.is_empty() && key.is_some_and(|k| !seen.insert(k)) {
                out.extend_from_slice("«repeated»".as_bytes());
                return;
            }
            out.extend_from_slice(b"[ ");
            for item in l.iter() {
                ambiguous(item, out, seen, Cell::Direct);
                out.push(b' ');
            }
            out.push(b']');
        }
        Value::Thunk(t) => match t.value() {
            Some(v) => ambiguous(&v, out, seen, Cell::of(t)),
            None if t.is_blackhole() => {
                out.extend_from_slice("«potential infinite recursion»".as_bytes())
            }
            None => out.extend_from_slice(b"<CODE>"),
        },
        Value::Lambda(_) => out.extend_from_slice(b"<LAMBDA>"),
        Value::PrimOp(_) => out.extend_from_slice(b"<PRIMOP>"),
        Value::PrimOpApp(_) => out.extend_from_slice(b"<PRIMOP-APP>"),
    })
}

struct Wr<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Wr<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// Limits of C++ Nix's `Printer`.
struct Limits {
    max_depth: usize,
    max_attrs: usize,
    max_items: usize,
    max_string: usize,
}

struct Printer<'a> {
    out: &'a mut Vec<u8>,
    limits: Limits,
    seen: FxHashSet<usize>,
    attrs_printed: usize,
    items_printed: usize,
    /// Source positions of lambdas (`«lambda f @ file:1:2»`).
    show_pos: &'a dyn Fn(crate::Pos) -> String,
}

fn elided(out: &mut Vec<u8>, n: usize, single: &str, plural: &str) {
    let _ = write!(
        Wr(out),
        "«{n} {} elided»",
        if n == 1 { single } else { plural }
    );
}

impl Printer<'_> {
    fn print(&mut self, v: &Value, depth: usize, cell: Cell) {
        stacker::maybe_grow(256 * 1024, 4 * 1024 * 1024, || {
            self.print_inner(v, depth, cell)
        })
    }

    fn print_inner(&mut self, v: &Value, depth: usize, cell: Cell) {
        match v {
            Value::Int(i) => {
                let _ = write!(Wr(self.out), "{i}");
            }
            Value::Float(f) => self.out.extend_from_slice(format_float(*f).as_bytes()),
            Value::Bool(crate::AlignedBool(b)) => {
                self.out
                    .extend_from_slice(if *b { b"true" } else { b"false" })
            }
            Value::Null => self.out.extend_from_slice(b"null"),
            Value::Path(p) => self
                .out
                .extend_from_slice(&crate::corepkgs::display(p.as_bytes())),
            Value::String(s) => {
                let b = s.as_bytes();
                if b.len() > self.limits.max_string {
                    write_string_literal(self.out, &b[..self.limits.max_string]);
                    // C++ closes the quote before the elision note.
                    self.out.pop();
                    self.out.extend_from_slice(b"\" ");
                    elided(self.out, b.len() - self.limits.max_string, "byte", "bytes");
                } else {
                    write_string_literal(self.out, b);
                }
            }
            Value::Attrs(a) => {
                if !self.seen.insert(Rc::as_ptr(a) as usize) {
                    self.out.extend_from_slice("«repeated»".as_bytes());
                    return;
                }
                if depth >= self.limits.max_depth {
                    self.out.extend_from_slice(b"{ ... }");
                    return;
                }
                self.out.push(b'{');
                let mut sorted = a.sorted_by_name();
                if self.limits.max_attrs != usize::MAX {
                    sorted.sort_by_key(|x| {
                        let n = x.name.as_bytes();
                        (n != b"type" && n != b"_type", n)
                    });
                }
                for (printed, attr) in sorted.iter().enumerate() {
                    self.out.push(b' ');
                    if self.attrs_printed >= self.limits.max_attrs {
                        elided(self.out, sorted.len() - printed, "attribute", "attributes");
                        break;
                    }
                    write_attr_name(self.out, attr.name.as_bytes());
                    self.out.extend_from_slice(b" = ");
                    self.print(&attr.value, depth + 1, Cell::Direct);
                    self.out.push(b';');
                    self.attrs_printed += 1;
                }
                self.out.extend_from_slice(b" }");
            }
            Value::List(l) => {
                let key = cell.list_key(l, true);
                if !l.is_empty() && key.is_some_and(|k| !self.seen.insert(k)) {
                    self.out.extend_from_slice("«repeated»".as_bytes());
                    return;
                }
                if depth >= self.limits.max_depth {
                    self.out.extend_from_slice(b"[ ... ]");
                    return;
                }
                self.out.push(b'[');
                for (printed, item) in l.iter().enumerate() {
                    self.out.push(b' ');
                    if self.items_printed >= self.limits.max_items {
                        elided(self.out, l.len() - printed, "item", "items");
                        break;
                    }
                    self.print(item, depth + 1, Cell::Direct);
                    self.items_printed += 1;
                }
                self.out.extend_from_slice(b" ]");
            }
            Value::Lambda(c) => {
                self.out.extend_from_slice("«lambda".as_bytes());
                if let Some(n) = c.lambda.name {
                    self.out.push(b' ');
                    self.out.extend_from_slice(n.as_bytes());
                }
                let p = (self.show_pos)(c.lambda.pos);
                let _ = write!(Wr(self.out), " @ {p}»");
            }
            Value::PrimOp(p) => {
                let _ = write!(Wr(self.out), "«primop {}»", p.name);
            }
            Value::PrimOpApp(p) => {
                let _ = write!(Wr(self.out), "«partially applied primop {}»", p.primop.name);
            }
            Value::Thunk(t) => match t.value() {
                Some(v) => self.print(&v, depth, Cell::of(t)),
                None if t.is_blackhole() => self
                    .out
                    .extend_from_slice("«potential infinite recursion»".as_bytes()),
                None => self.out.extend_from_slice("«thunk»".as_bytes()),
            },
        }
    }
}

/// Renders a position as "file:line:column".
type PosShower = Box<dyn Fn(crate::Pos) -> String>;

thread_local! {
    static POS_SHOWER: std::cell::RefCell<Option<PosShower>> =
        const { std::cell::RefCell::new(None) };
}

/// Installs how lambda positions are shown in error messages (the
/// evaluator's source map), for the current thread.
pub(crate) fn set_pos_shower(f: PosShower) {
    POS_SHOWER.with(|p| *p.borrow_mut() = Some(f));
}

fn print_limited(v: &Value, limits: Limits) -> String {
    let mut out = Vec::new();
    POS_SHOWER.with(|ps| {
        let ps = ps.borrow();
        let fallback = |_p: crate::Pos| "«none»:0".to_owned();
        let show: &dyn Fn(crate::Pos) -> String = match ps.as_ref() {
            Some(f) => f.as_ref(),
            None => &fallback,
        };
        let mut p = Printer {
            out: &mut out,
            limits,
            seen: FxHashSet::default(),
            attrs_printed: 0,
            items_printed: 0,
            show_pos: show,
        };
        p.print(v, 0, Cell::Direct);
    });
    String::from_utf8_lossy(&out).into_owned()
}

/// A value inside an error message (C++ `errorPrintOptions`).
#[must_use]
pub(crate) fn error_repr(v: &Value) -> String {
    print_limited(
        v,
        Limits {
            max_depth: 10,
            max_attrs: 10,
            max_items: 10,
            max_string: 1024,
        },
    )
}

/// A value as `builtins.trace` prints it.
#[must_use]
pub(crate) fn trace_repr(v: &Value) -> String {
    print_limited(
        v,
        Limits {
            max_depth: usize::MAX,
            max_attrs: usize::MAX,
            max_items: usize::MAX,
            max_string: usize::MAX,
        },
    )
}

fn levenshtein(a: &[u8], b: &[u8]) -> usize {
    let mut v0: Vec<usize> = (0..=b.len()).collect();
    let mut v1 = vec![0; b.len() + 1];
    for (i, &ai) in a.iter().enumerate() {
        v1[0] = i + 1;
        for (j, &bj) in b.iter().enumerate() {
            let del = v0[j + 1] + 1;
            let ins = v1[j] + 1;
            let sub = if ai == bj { v0[j] } else { v0[j] + 1 };
            v1[j + 1] = del.min(ins).min(sub);
        }
        std::mem::swap(&mut v0, &mut v1);
    }
    v0[b.len()]
}

/// C++ `Suggestions::bestMatches(...).trim()` rendered: `x`, or
/// `one of x, y or z`; `None` if nothing is close.
pub(crate) fn suggestions<'a>(all: impl Iterator<Item = &'a [u8]>, query: &[u8]) -> Option<String> {
    let mut v: Vec<(usize, &[u8])> = all.map(|s| (levenshtein(query, s), s)).collect();
    v.sort();
    v.dedup();
    let v: Vec<&[u8]> = v
        .into_iter()
        .take_while(|(d, _)| *d <= 2)
        .take(5)
        .map(|(_, s)| s)
        .collect();
    let names: Vec<String> = v
        .iter()
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect();
    match names.len() {
        0 => None,
        1 => Some(names[0].clone()),
        n => {
            let mut r = format!("one of {}", names[0]);
            for (i, s) in names.iter().enumerate().skip(1) {
                r.push_str(if i == n - 1 { " or " } else { ", " });
                r.push_str(s);
            }
            Some(r)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_like_percent_g() {
        for (f, s) in [
            (1.0, "1"),
            (0.1, "0.1"),
            (1e10, "1e+10"),
            (1.5e-7, "1.5e-07"),
            (123456789.0, "1.23457e+08"),
            (1.0 / 3.0, "0.333333"),
            (100000.0, "100000"),
            (1000000.0, "1e+06"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-2.5, "-2.5"),
        ] {
            assert_eq!(format_float(f), s, "{f}");
        }
    }

    #[test]
    fn names_are_quoted_when_needed() {
        assert_eq!(attr_name_repr(b"a-b'"), "a-b'");
        assert_eq!(attr_name_repr(b"a b"), "\"a b\"");
        assert_eq!(attr_name_repr(b"if"), "\"if\"");
        assert_eq!(attr_name_repr(b"1a"), "\"1a\"");
    }

    #[test]
    fn suggestions_are_close_names() {
        let names: Vec<&[u8]> = vec![b"foo", b"fob", b"bar"];
        assert_eq!(
            suggestions(names.into_iter(), b"fo").as_deref(),
            Some("one of fob or foo")
        );
    }
}
