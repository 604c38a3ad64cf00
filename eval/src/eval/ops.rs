//! Operators and coercions: checked integer arithmetic, `+` and string
//! interpolation, string coercion (`__toString`, `outPath`), equality,
//! ordering and deep forcing, with C++ Nix's error messages.

use std::rc::Rc;

use smallvec::SmallVec;

use super::{Evaluator, Nesting};
use crate::{
    Context, NixString, Pos, Value,
    errors::{Error, ErrorKind, Result, TraceMessage},
    ir::Expr,
    symbol::known,
    value::Env,
};

#[derive(Clone, Copy)]
pub(crate) enum Arith {
    Add,
    Sub,
    Mul,
    Div,
}

/// `+ - * /` on numbers, as `__add`/`__sub`/`__mul`/`__div`.
pub(crate) fn arith(ev: &Evaluator, op: Arith, a: &Value, b: &Value, pos: Pos) -> Result<Value> {
    let a = ev.force(a, pos)?;
    let b = ev.force(b, pos)?;
    // C++ Nix's primops check the operands in their own order: `__div`
    // the divisor first (as a float) and "operand"s, the others "argument"s,
    // as floats if either is a float, else as integers.
    let is_float = |v: &Value| matches!(v, Value::Float(_));
    let is_num = |v: &Value| matches!(v, Value::Int(_) | Value::Float(_));
    let floats = is_float(&a) || is_float(&b);
    let check = |v: &Value, float: bool, which: &str| -> Result<()> {
        let ok = if float {
            is_num(v)
        } else {
            matches!(v, Value::Int(_))
        };
        if ok {
            return Ok(());
        }
        let (noun, opname) = match op {
            Arith::Add => ("argument", "addition"),
            Arith::Sub => ("argument", "subtraction"),
            Arith::Mul => ("argument", "multiplication"),
            Arith::Div => ("operand", "division"),
        };
        let expected = if float { "a float" } else { "an integer" };
        // C++ Nix's `__mul` misses a word for its first float operand.
        let noun = if float && which == "first" && matches!(op, Arith::Mul) {
            String::new()
        } else {
            format!(" {noun}")
        };
        Err(ev.type_error(expected, v).with_trace(
            pos,
            format!("while evaluating the {which}{noun} of the {opname}"),
        ))
    };
    if let Arith::Div = op {
        check(&b, true, "second")?;
        let zero = match &b {
            Value::Int(0) => true,
            Value::Float(f) => *f == 0.0,
            _ => false,
        };
        if zero {
            return Err(Error::eval("division by zero").at(pos));
        }
        check(&a, floats, "first")?;
    } else {
        check(&a, floats, "first")?;
        check(&b, floats, "second")?;
    }
    let (an, bn) = (&a, &b);
    Ok(match (an, bn) {
        (Value::Int(x), Value::Int(y)) => {
            let (r, sym) = match op {
                Arith::Add => (x.checked_add(*y), "+"),
                Arith::Sub => (x.checked_sub(*y), "-"),
                Arith::Mul => (x.checked_mul(*y), "*"),
                Arith::Div => (x.checked_div(*y), "/"),
            };
            match r {
                Some(r) => Value::Int(r),
                None => {
                    let verb = match op {
                        Arith::Add => "adding",
                        Arith::Sub => "subtracting",
                        Arith::Mul => "multiplying",
                        Arith::Div => "dividing",
                    };
                    return Err(
                        Error::eval(format!("integer overflow in {verb} {x} {sym} {y}")).at(pos),
                    );
                }
            }
        }
        _ => {
            let x = as_f64(an);
            let y = as_f64(bn);
            Value::Float(match op {
                Arith::Add => x + y,
                Arith::Sub => x - y,
                Arith::Mul => x * y,
                Arith::Div => x / y,
            })
        }
    })
}

fn as_f64(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        _ => 0.0,
    }
}

/// How [`Evaluator::coerce_to_string`] coerces.
#[derive(Clone, Copy, Debug)]
pub struct Coercion {
    /// `toString` semantics: also ints, floats, bools, null, lists.
    pub more: bool,
    /// Paths are imported into the store (interpolation) instead of printed.
    pub copy_to_store: bool,
}

/// C++ Nix's coerceToString adds its context ("while evaluating a path
/// segment") only to its own "cannot coerce" type error (also for an
/// `outPath`), not to errors of a `__toString` call (not even calling a
/// `__toString` that is no function) or of copying a path to the store:
/// here, a "cannot coerce" type error with no frame yet is that error.
fn path_segment_frame(e: Error, pos: Pos) -> Error {
    if e.kind() == crate::ErrorKind::Type
        && e.traces().is_empty()
        && e.message().starts_with("cannot coerce")
    {
        e.with_trace(pos, "while evaluating a path segment")
    } else {
        e
    }
}

impl Evaluator {
    /// `+` and interpolation: the first part decides the result type.
    #[inline(never)]
    pub(crate) fn concat_strings(&self, e: &Expr, env: &Env) -> Result<Value> {
        let Expr::ConcatStrings {
            parts,
            pos,
            force_string,
        } = e
        else {
            unreachable!("eval dispatched another node")
        };
        let (pos, force_string) = (*pos, *force_string);
        let (first_pos, first) = &parts[0];
        let first = self.eval(first, env)?;
        let rest = parts[1..].iter().map(|(p, e)| (*p, self.eval(e, env)));
        self.concat_values((*first_pos, first), rest, pos, force_string)
    }

    /// [`Self::concat_strings`] with the first part evaluated and the others
    /// evaluated on demand, in order, by `rest`. Each part comes with its
    /// position, where C++ Nix reports the errors about that part.
    #[inline(never)]
    pub(crate) fn concat_values(
        &self,
        (first_pos, first): (Pos, Value),
        rest: impl Iterator<Item = (Pos, Result<Value>)>,
        pos: Pos,
        force_string: bool,
    ) -> Result<Value> {
        match (&first, force_string) {
            (Value::Int(_) | Value::Float(_), false) => {
                let mut acc = first;
                for (ipos, v) in rest {
                    let v = v?;
                    acc = match (&acc, &v) {
                        (Value::Int(x), Value::Int(y)) => match x.checked_add(*y) {
                            Some(r) => Value::Int(r),
                            None => {
                                return Err(Error::eval(format!(
                                    "integer overflow in adding {x} + {y}"
                                ))
                                .at(ipos));
                            }
                        },
                        (Value::Int(x), Value::Float(y)) => Value::Float(*x as f64 + y),
                        (Value::Float(x), Value::Int(y)) => Value::Float(x + *y as f64),
                        (Value::Float(x), Value::Float(y)) => Value::Float(x + y),
                        (Value::Int(_), other) => {
                            return Err(Error::eval(format!(
                                "cannot add {} to an integer",
                                other.show_type()
                            ))
                            .at(ipos));
                        }
                        (_, other) => {
                            return Err(Error::eval(format!(
                                "cannot add {} to a float",
                                other.show_type()
                            ))
                            .at(ipos));
                        }
                    };
                }
                Ok(acc)
            }
            (Value::Path(p), false) => {
                let mut out = crate::corepkgs::outer(p.as_bytes()).to_vec();
                let mut ctx = Context::Empty;
                for (ipos, v) in rest {
                    let v = v?;
                    let s = self
                        .coerce_to_string(
                            &v,
                            ipos,
                            Coercion {
                                more: false,
                                copy_to_store: false,
                            },
                        )
                        .map_err(|e| path_segment_frame(e, ipos))?;
                    ctx = ctx.union(s.context());
                    out.extend_from_slice(s.as_bytes());
                }
                if !ctx.is_empty() {
                    return Err(Error::eval(
                        "a string that refers to a store path cannot be appended to a path",
                    )
                    .at(pos));
                }
                Ok(Value::Path(NixString::new(crate::path::canonicalise(&out))))
            }
            _ => {
                // The parts are coerced in order, then copied once into a
                // buffer of their total length (no growing, no shrinking).
                let mut parts: SmallVec<[NixString; 8]> = SmallVec::new();
                let mut ctx = Context::Empty;
                let coercion = Coercion {
                    more: false,
                    copy_to_store: true,
                };
                let mut push = |v: &Value, ipos: Pos, ev: &Evaluator| -> Result<()> {
                    let s = ev
                        .coerce_to_string(v, ipos, coercion)
                        .map_err(|e| path_segment_frame(e, ipos))?;
                    if !s.context().is_empty() {
                        ctx = ctx.union(s.context());
                    }
                    parts.push(s);
                    Ok(())
                };
                push(&first, first_pos, self)?;
                for (ipos, v) in rest {
                    let v = v?;
                    push(&v, ipos, self)?;
                }
                // One part (`"${s}"`): the string it coerced to, with its
                // own context, is the result.
                if parts.len() == 1 {
                    return Ok(Value::String(parts.swap_remove(0)));
                }
                let len = parts.iter().map(|s| s.as_bytes().len()).sum();
                let mut out = Vec::with_capacity(len);
                for s in &parts {
                    out.extend_from_slice(s.as_bytes());
                }
                Ok(Value::String(NixString::with_context(out, ctx)))
            }
        }
    }

    /// Coerces a value to a string as C++ Nix's `coerceToString`, without
    /// an error context (see [`Self::coerce_to_string_ctx`]).
    pub fn coerce_to_string(&self, v: &Value, pos: Pos, c: Coercion) -> Result<NixString> {
        self.coerce_inner(v, pos, c, None)
    }

    /// C++ Nix's `coerceToString` with its `errorCtx`: the "while …" frame
    /// is added where C++ Nix adds it, to the "cannot coerce" error and to
    /// any error of a list element, not to errors forcing the value or
    /// calling `__toString`.
    pub fn coerce_to_string_ctx(
        &self,
        v: &Value,
        pos: Pos,
        c: Coercion,
        ctx: impl TraceMessage,
    ) -> Result<NixString> {
        let mut ctx = Some(ctx);
        let mut message = || {
            ctx.take()
                .map(TraceMessage::into_message)
                .unwrap_or_default()
        };
        self.coerce_inner(v, pos, c, Some(&mut message))
    }

    /// [`Self::coerce_inner`] of a value nested in the one being coerced
    /// (a list element, an `outPath`), one level down (see
    /// [`Self::nested`]: a list that contains itself is C++ Nix's stack
    /// overflow).
    fn coerce_nested(
        &self,
        v: &Value,
        pos: Pos,
        c: Coercion,
        ctx: Option<&mut dyn FnMut() -> String>,
    ) -> Result<NixString> {
        self.nested(Nesting::Coerce, || self.coerce_inner(v, pos, c, ctx))
    }

    fn coerce_inner(
        &self,
        v: &Value,
        pos: Pos,
        c: Coercion,
        ctx: Option<&mut dyn FnMut() -> String>,
    ) -> Result<NixString> {
        let cell = v;
        let v = self.force(v, pos)?;
        let with_ctx = |e: Error, ctx: Option<&mut dyn FnMut() -> String>| match ctx {
            Some(m) => e.with_trace(pos, m()),
            None => e,
        };
        match &v {
            Value::String(s) => Ok(s.clone()),
            Value::Path(p) => {
                if c.copy_to_store {
                    // No position: C++ Nix's copyPathToStore has none.
                    let store_path = self.io.import_path(p.as_bytes())?;
                    Ok(store_path)
                } else {
                    Ok(NixString::new(crate::corepkgs::outer(p.as_bytes())))
                }
            }
            Value::Attrs(a) => {
                if let Some(f) = a.get(known::to_string()) {
                    let r = self.call(f, std::slice::from_ref(&v), pos)?;
                    // C++ `tryAttrsToString`: the frame is the error
                    // context of the result's coercion, added only where
                    // `coerceToString` adds its context (a value it cannot
                    // coerce, an element of a list), not to an error
                    // forcing the result or copying a path.
                    let mut frame =
                        || "while evaluating the result of the `__toString` attribute".to_owned();
                    return self.coerce_nested(&r, pos, c, Some(&mut frame));
                }
                if let Some(o) = a.get(known::out_path()) {
                    return self.coerce_nested(o, pos, c, ctx);
                }
                Err(with_ctx(self.cannot_coerce(&v, cell), ctx))
            }
            Value::Bool(crate::AlignedBool(b)) if c.more => {
                Ok(NixString::new(if *b { &b"1"[..] } else { b"" }))
            }
            Value::Int(i) if c.more => Ok(NixString::from(i.to_string())),
            Value::Float(f) if c.more => Ok(NixString::from(format!("{f:.6}"))),
            Value::Null if c.more => Ok(NixString::new(&b""[..])),
            Value::List(l) if c.more => {
                let mut out = Vec::new();
                let mut cx = Context::Empty;
                let mut ctx = ctx;
                for (i, item) in l.iter().enumerate() {
                    let mut element = || "while evaluating one element of the list".to_owned();
                    let s = match self.coerce_nested(item, pos, c, Some(&mut element)) {
                        Ok(s) => s,
                        Err(e) => return Err(with_ctx(e, ctx.take())),
                    };
                    out.extend_from_slice(s.as_bytes());
                    cx = cx.union(s.context());
                    if i + 1 < l.len() {
                        let item = self.force(item, pos)?;
                        if !matches!(&item, Value::List(x) if x.is_empty()) {
                            out.push(b' ');
                        }
                    }
                }
                Ok(NixString::with_context(out, cx))
            }
            _ => Err(with_ctx(self.cannot_coerce(&v, cell), ctx)),
        }
    }

    /// The value is shown from the cell it came in (see `print::Cell`).
    fn cannot_coerce(&self, v: &Value, cell: &Value) -> Error {
        Error::type_error(format!(
            "cannot coerce {} to a string: {}",
            v.show_type(),
            crate::print::error_repr(cell)
        ))
    }

    /// Nix equality (`==`). (C++ Nix's error context argument only
    /// appears in an internal error, so there is none.)
    pub(crate) fn eq_values(&self, a: &Value, b: &Value, pos: Pos) -> Result<bool> {
        // Integers and strings, the common operands, are compared without
        // a level of the walk.
        match (a, b) {
            (Value::Int(x), Value::Int(y)) => Ok(x == y),
            (Value::String(x), Value::String(y)) => Ok(x.as_bytes() == y.as_bytes()),
            _ => self.nested(Nesting::Eq, || self.eq_inner(a, b, pos)),
        }
    }

    fn eq_inner(&self, a: &Value, b: &Value, pos: Pos) -> Result<bool> {
        // Identical thunks or sets are equal without forcing (C++ Nix
        // compares the value pointers first).
        if let (Value::Thunk(x), Value::Thunk(y)) = (a, b) {
            if x.ptr_eq(y) {
                return Ok(true);
            }
        }
        let a = self.force(a, pos)?;
        let b = self.force(b, pos)?;
        Ok(match (&a, &b) {
            (Value::Int(x), Value::Int(y)) => x == y,
            (Value::Int(x), Value::Float(y)) => (*x as f64) == *y,
            (Value::Float(x), Value::Int(y)) => *x == (*y as f64),
            (Value::Float(x), Value::Float(y)) => x == y,
            (Value::Bool(crate::AlignedBool(x)), Value::Bool(crate::AlignedBool(y))) => x == y,
            (Value::Null, Value::Null) => true,
            (Value::String(x), Value::String(y)) => x.as_bytes() == y.as_bytes(),
            (Value::Path(x), Value::Path(y)) => x.as_bytes() == y.as_bytes(),
            (Value::List(x), Value::List(y)) => {
                if Rc::ptr_eq(x, y) {
                    return Ok(true);
                }
                if x.len() != y.len() {
                    return Ok(false);
                }
                for (i, j) in x.iter().zip(y.iter()) {
                    if !self.eq_values(i, j, pos)? {
                        return Ok(false);
                    }
                }
                true
            }
            (Value::Attrs(x), Value::Attrs(y)) => {
                if Rc::ptr_eq(x, y) {
                    return Ok(true);
                }
                // Derivations compare by their output path.
                if self.is_derivation(x)? && self.is_derivation(y)? {
                    if let (Some(i), Some(j)) = (x.get(known::out_path()), y.get(known::out_path()))
                    {
                        return self.eq_values(i, j, pos).map_err(|e| {
                            e.with_trace(
                                pos,
                                "while comparing a derivation by its 'outPath' attribute",
                            )
                        });
                    }
                }
                if x.len() != y.len() {
                    return Ok(false);
                }
                // In symbol order, as C++ Nix iterates its bindings: a name
                // missing on one side stops the comparison there.
                for (i, j) in x.iter().zip(y.iter()) {
                    if i.name != j.name || !self.eq_values(&i.value, &j.value, pos)? {
                        return Ok(false);
                    }
                }
                true
            }
            (Value::Lambda(_) | Value::PrimOp(_) | Value::PrimOpApp(_), _)
            | (_, Value::Lambda(_) | Value::PrimOp(_) | Value::PrimOpApp(_)) => false,
            _ => false,
        })
    }

    /// C++ Nix's `assertEqValues`: after `assert a == b` failed, walks both
    /// values in the footsteps of [`Self::eq_values`] and returns the
    /// assertion error that says where and why they differ, with "while
    /// comparing …" frames (Ok if it finds no difference).
    pub(crate) fn assert_eq_values(&self, a: &Value, b: &Value, pos: Pos) -> Result<()> {
        self.nested(Nesting::Eq, || self.assert_eq_inner(a, b, pos))
    }

    fn assert_eq_inner(&self, a: &Value, b: &Value, pos: Pos) -> Result<()> {
        use crate::print::{attr_ident_repr, error_repr};
        if let (Value::Thunk(x), Value::Thunk(y)) = (a, b) {
            if x.ptr_eq(y) {
                return Ok(());
            }
        }
        let a = self.force(a, pos)?;
        let b = self.force(b, pos)?;
        let fail = |msg: String| Err(Error::new(ErrorKind::Assert, msg));
        let number = |v: &Value| matches!(v, Value::Int(_) | Value::Float(_));
        if number(&a) && number(&b) {
            if self.eq_values(&a, &b, pos)? {
                return Ok(());
            }
            return fail(format!(
                "{} with value '{}' is not equal to {} with value '{}'",
                a.show_type(),
                error_repr(&a),
                b.show_type(),
                error_repr(&b)
            ));
        }
        if a.type_of() != b.type_of() {
            return fail(format!(
                "{} of value '{}' is not equal to {} of value '{}'",
                a.show_type(),
                error_repr(&a),
                b.show_type(),
                error_repr(&b)
            ));
        }
        let ra = || error_repr(&a);
        let rb = || error_repr(&b);
        match (&a, &b) {
            (Value::Bool(crate::AlignedBool(x)), Value::Bool(crate::AlignedBool(y))) if x != y => {
                fail(format!("boolean '{}' is not equal to boolean '{}'", ra(), rb()))
            }
            (Value::String(x), Value::String(y)) if x.as_bytes() != y.as_bytes() => {
                fail(format!("string '{}' is not equal to string '{}'", ra(), rb()))
            }
            (Value::Path(x), Value::Path(y)) if x.as_bytes() != y.as_bytes() => {
                fail(format!("path '{}' is not equal to path '{}'", ra(), rb()))
            }
            (Value::List(x), Value::List(y)) => {
                if Rc::ptr_eq(x, y) {
                    return Ok(());
                }
                if x.len() != y.len() {
                    return fail(format!(
                        "list of size '{}' is not equal to list of size '{}', left hand side is '{}', right hand side is '{}'",
                        x.len(),
                        y.len(),
                        ra(),
                        rb()
                    ));
                }
                for (n, (i, j)) in x.iter().zip(y.iter()).enumerate() {
                    self.assert_eq_values(i, j, pos)
                        .map_err(|e| e.with_trace(pos, format!("while comparing list element {n}")))?;
                }
                Ok(())
            }
            (Value::Attrs(x), Value::Attrs(y)) => {
                if Rc::ptr_eq(x, y) {
                    return Ok(());
                }
                if self.is_derivation(x)? && self.is_derivation(y)? {
                    if let (Some(i), Some(j)) = (x.get(known::out_path()), y.get(known::out_path()))
                    {
                        return self.assert_eq_values(i, j, pos).map_err(|e| {
                            e.with_trace(
                                pos,
                                "while comparing a derivation by its 'outPath' attribute",
                            )
                        });
                    }
                }
                if x.len() != y.len() {
                    return fail(format!(
                        "attribute names of attribute set '{}' differs from attribute set '{}'",
                        ra(),
                        rb()
                    ));
                }
                for (i, j) in x.iter().zip(y.iter()) {
                    if i.name != j.name {
                        if y.get(i.name).is_none() {
                            return fail(format!(
                                "attribute name '{}' is contained in '{}', but not in '{}'",
                                attr_ident_repr(i.name.as_bytes()),
                                ra(),
                                rb()
                            ));
                        }
                        return fail(format!(
                            "attribute name '{}' is missing in '{}', but is contained in '{}'",
                            attr_ident_repr(j.name.as_bytes()),
                            ra(),
                            rb()
                        ));
                    }
                    self.assert_eq_values(&i.value, &j.value, pos)
                        .map_err(|mut e| {
                            if j.pos.is_some() {
                                e = e.with_trace(j.pos, "where right hand side is");
                            }
                            if i.pos.is_some() {
                                e = e.with_trace(i.pos, "where left hand side is");
                            }
                            e.with_trace(
                                pos,
                                format!(
                                    "while comparing attribute '{}'",
                                    attr_ident_repr(i.name.as_bytes())
                                ),
                            )
                        })?;
                }
                Ok(())
            }
            (
                Value::Lambda(_) | Value::PrimOp(_) | Value::PrimOpApp(_),
                Value::Lambda(_) | Value::PrimOp(_) | Value::PrimOpApp(_),
            ) => fail(
                "distinct functions and immediate comparisons of identical functions compare as unequal"
                    .to_owned(),
            ),
            _ => Ok(()),
        }
    }

    /// True if `a` is a set with `type = "derivation"`.
    pub(crate) fn is_derivation(&self, a: &crate::Attrs) -> Result<bool> {
        match a.get(known::type_()) {
            Some(t) => match &self.force(t, Pos::NONE)? {
                Value::String(s) => Ok(s.as_bytes() == b"derivation"),
                _ => Ok(false),
            },
            None => Ok(false),
        }
    }

    /// `<` as `__lessThan`: numbers, strings, paths, and lists
    /// lexicographically.
    pub(crate) fn less_than(&self, a: &Value, b: &Value, pos: Pos) -> Result<bool> {
        let a = self.force(a, pos)?;
        let b = self.force(b, pos)?;
        self.stack(|| self.compare(&a, &b, pos))
            .map(|o| o == std::cmp::Ordering::Less)
    }

    /// Total order used by `<` and `sort`-style builtins.
    pub(crate) fn compare(&self, a: &Value, b: &Value, pos: Pos) -> Result<std::cmp::Ordering> {
        use std::cmp::Ordering;
        Ok(match (a, b) {
            (Value::Int(x), Value::Int(y)) => x.cmp(y),
            (Value::Int(x), Value::Float(y)) => {
                (*x as f64).partial_cmp(y).unwrap_or(Ordering::Equal)
            }
            (Value::Float(x), Value::Int(y)) => {
                x.partial_cmp(&(*y as f64)).unwrap_or(Ordering::Equal)
            }
            (Value::Float(x), Value::Float(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
            (Value::String(x), Value::String(y)) => x.as_bytes().cmp(y.as_bytes()),
            (Value::Path(x), Value::Path(y)) => x.as_bytes().cmp(y.as_bytes()),
            (Value::List(x), Value::List(y)) => {
                for (i, j) in x.iter().zip(y.iter()) {
                    let i = self.force(i, pos)?;
                    let j = self.force(j, pos)?;
                    if !self.eq_values(&i, &j, pos)? {
                        return self
                            .compare(&i, &j, pos)
                            .map_err(|e| e.with_trace(pos, "while comparing two list elements"));
                    }
                }
                x.len().cmp(&y.len())
            }
            _ => {
                // No position: C++ Nix's CompareValues throws it without one.
                let incomparable = if a.type_of() == b.type_of() {
                    "; values of that type are incomparable"
                } else {
                    ""
                };
                return Err(Error::eval(format!(
                    "cannot compare {} with {}{incomparable}",
                    a.show_type(),
                    b.show_type()
                )));
            }
        })
    }

    /// Forces a value and everything it contains (`--strict`, `deepSeq`).
    pub fn deep_force(&self, v: &Value) -> Result<()> {
        let mut seen = rustc_hash::FxHashSet::default();
        self.deep_force_inner(v, &mut seen)
    }

    fn deep_force_inner(&self, v: &Value, seen: &mut rustc_hash::FxHashSet<usize>) -> Result<()> {
        // C++ forceValueDeep forces each value at its own
        // `determinePos(noPos)`: a pending application (of `map`, ...) is
        // called from its lambda; anything else has no position, so an
        // infinite recursion found there has none.
        let f = self.force(v, v.determine_pos(Pos::NONE))?;
        self.nested(Nesting::DeepForce, || match &f {
            Value::Attrs(a) => {
                if !seen.insert(Rc::as_ptr(a) as usize) {
                    return Ok(());
                }
                // In symbol order, as C++ Nix iterates its bindings.
                for attr in a.iter() {
                    self.deep_force_inner(&attr.value, seen).map_err(|e| {
                        e.with_trace(
                            attr.pos,
                            format!("while evaluating the attribute '{}'", attr.name.quoted()),
                        )
                    })?;
                }
                Ok(())
            }
            Value::List(l) => {
                if !seen.insert(Rc::as_ptr(l) as usize) {
                    return Ok(());
                }
                // C++ Nix's forceValueDeep adds no frame for list elements.
                for item in l.iter() {
                    self.deep_force_inner(item, seen)?;
                }
                Ok(())
            }
            _ => Ok(()),
        })
    }
}
