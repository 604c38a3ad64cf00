//! Inlining of single-use `let` bindings.
//!
//! A `let` binding is normally delayed in a thunk when the `let` is entered,
//! and forced where it is used. When a binding is used exactly once, in the
//! binding's own environment (not under a function, a `with` or a `let`
//! with a frame of its own), and is not part of a recursive cycle among the
//! `let`'s bindings, the thunk only carries the expression to that one use.
//! The compiler then moves the expression there ([`Expr::LetUse`]): nothing
//! is allocated when the `let` is entered, and the use evaluates the
//! expression where it would have forced the thunk.
//!
//! Bindings that `Evaluator::lazy` binds without a thunk (a constant, a
//! variable) stay as they are: they cost nothing, and the value cell they
//! share is observable (`«repeated»` in printed output).
//!
//! The result is kept in the binding's slot, so what stays observable is
//! unchanged: the expression is evaluated at most once per environment
//! (a use inside a thunk that failed and is forced again, under `tryEval`,
//! finds the value there), at the time the thunk would have been forced
//! (a use in a lazy position still makes a thunk, of the use), with the
//! same errors and traces (forcing a thunk adds no frame), and infinite
//! recursion is still found on the thunks of the cycle, since a binding on
//! a cycle of the `let` is never inlined.
//!
//! The references are recorded while the compiler resolves names
//! ([`Refs::record`]); this pass only decides and rewrites the IR of the
//! `let` (its bindings and body), walking the parts evaluated in the same
//! environment.

use std::cell::{Cell, RefCell};

use crate::ir::{AttrDef, AttrName, DynAttrDef, Expr, ExprRef, placed};

/// The user of a reference that is the `let`'s body, not a binding.
const BODY: u32 = u32::MAX;

/// `let`s of more bindings than this are not analysed (the cycle check is
/// quadratic in the worst case).
const MAX_BINDINGS: usize = 1024;

/// Inlined bindings nest at most this deep in one expression: deeper ones
/// keep their thunk, so compiling and freeing the IR recurse boundedly.
const MAX_NESTING: u32 = 256;

/// The references to one `let`'s names, in the order the compiler met them.
#[derive(Default)]
pub(super) struct Refs {
    /// The binding being compiled (its index among the bindings, then the
    /// `inherit (e)` sources), or [`BODY`].
    current: Cell<u32>,
    /// (slot referred to, user, whether the reference crosses a frame).
    list: RefCell<Vec<(u32, u32, bool)>>,
}

impl Refs {
    pub(super) fn new() -> Refs {
        Refs {
            current: Cell::new(BODY),
            list: RefCell::default(),
        }
    }

    /// The expressions compiled from now on belong to binding `i`.
    pub(super) fn binding(&self, i: usize) {
        self.current.set(u32::try_from(i).unwrap_or(BODY));
    }

    /// The expressions compiled from now on belong to the body.
    pub(super) fn body(&self) {
        self.current.set(BODY);
    }

    /// A reference to `slot` from the current binding or the body, through
    /// `depth` frames.
    pub(super) fn record(&self, slot: u32, depth: u32) {
        self.list
            .borrow_mut()
            .push((slot, self.current.get(), depth > 0));
    }
}

/// Inlines the single-use bindings among `bindings` (the `let`'s first `n`,
/// for slots `base..base + n`; the rest are `inherit (e)` sources, which
/// are kept) into their use in the bindings or in `body`.
pub(super) fn apply(
    refs: Refs,
    base: u32,
    n: usize,
    bindings: &mut [Option<ExprRef>],
    body: &mut ExprRef,
) {
    if n == 0 || n > MAX_BINDINGS {
        return;
    }
    let refs = refs.list.into_inner();
    let mut uses = vec![0u32; n];
    let mut user = vec![BODY; n];
    let mut out: Vec<Vec<u32>> = vec![Vec::new(); bindings.len()];
    for &(slot, by, crossed) in &refs {
        let Some(i) = slot
            .checked_sub(base)
            .map(|i| i as usize)
            .filter(|&i| i < n)
        else {
            continue;
        };
        // A reference through a frame is never inlined: count it twice.
        uses[i] += if crossed { 2 } else { 1 };
        user[i] = by;
        if let Some(o) = out.get_mut(by as usize) {
            o.push(i as u32);
        }
    }
    let inline: Vec<bool> = (0..n)
        .map(|i| {
            uses[i] == 1
                && bindings[i].as_deref().is_some_and(delayed)
                && !on_cycle(i, user[i], &out)
        })
        .collect();
    if !inline.iter().any(|&b| b) {
        return;
    }
    let mut cx = Inliner {
        base,
        targets: bindings[..n]
            .iter_mut()
            .zip(&inline)
            .map(|(b, &yes)| if yes { b.take() } else { None })
            .collect(),
        done: vec![None; n],
        nesting: 0,
    };
    if let Some(b) = cx.walk(body) {
        *body = b;
    }
    for b in bindings.iter_mut().flatten() {
        if let Some(new) = cx.walk(b) {
            *b = new;
        }
    }
    // Bindings whose use was too deep (or, defensively, not found) keep
    // their thunk; their own expressions may still inline others.
    while let Some(i) = cx.targets.iter().position(Option::is_some) {
        if let Some(e) = cx.targets[i].take() {
            cx.nesting = 0;
            bindings[i] = Some(cx.walk(&e).unwrap_or(e));
        }
    }
}

/// True if a binding of `e` is a thunk. Those that are not (a constant,
/// a variable, `[ ]`: `Evaluator::lazy` binds their value itself, as C++
/// Nix's `maybeThunk`) cost nothing to bind, and share their value cell,
/// which printing can tell (`«repeated»`): they stay.
fn delayed(e: &Expr) -> bool {
    match e {
        Expr::Const(_) | Expr::Var { .. } | Expr::Global(_) => false,
        Expr::List(items) => !items.is_empty(),
        _ => true,
    }
}

/// True if binding `i`, whose only use is in `user`, reaches that user
/// through the bindings' references (so it is on a cycle).
fn on_cycle(i: usize, user: u32, out: &[Vec<u32>]) -> bool {
    if user == BODY {
        return false;
    }
    let mut seen = vec![false; out.len()];
    let mut stack = vec![i as u32];
    while let Some(j) = stack.pop() {
        if j == user {
            return true;
        }
        let j = j as usize;
        if std::mem::replace(&mut seen[j], true) {
            continue;
        }
        stack.extend(out[j].iter().copied());
    }
    false
}

struct Inliner {
    base: u32,
    /// The expressions of the bindings to inline, taken when inlined.
    targets: Vec<Option<ExprRef>>,
    /// The [`Expr::LetUse`] made for each inlined binding.
    done: Vec<Option<ExprRef>>,
    /// Inlined expressions being walked, one inside the other.
    nesting: u32,
}

impl Inliner {
    /// `e` with the inlinable uses in its part evaluated in the current
    /// environment rewritten; `None` if there are none.
    fn walk(&mut self, e: &ExprRef) -> Option<ExprRef> {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.walk_inner(e))
    }

    fn sub(&mut self, e: &ExprRef, changed: &mut bool) -> ExprRef {
        match self.walk(e) {
            Some(new) => {
                *changed = true;
                new
            }
            None => *e,
        }
    }

    fn names(&mut self, path: &[AttrName], changed: &mut bool) -> &'static [AttrName] {
        let names: Vec<AttrName> = path
            .iter()
            .map(|n| match n {
                AttrName::Static(s) => AttrName::Static(*s),
                AttrName::Dynamic(e, pos, v) => AttrName::Dynamic(self.sub(e, changed), *pos, *v),
            })
            .collect();
        placed(&names)
    }

    fn use_of(&mut self, slot: u32) -> Option<ExprRef> {
        let i = slot.checked_sub(self.base)? as usize;
        if let Some(done) = *self.done.get(i)? {
            // The same node reached twice: share its memo slot.
            return Some(done);
        }
        let value = self.targets.get_mut(i)?.take()?;
        if self.nesting >= MAX_NESTING {
            self.targets[i] = Some(value);
            return None;
        }
        self.nesting += 1;
        let value = self.walk(&value).unwrap_or(value);
        self.nesting -= 1;
        let new = ExprRef::new(Expr::LetUse { slot, value });
        self.done[i] = Some(new);
        Some(new)
    }

    fn walk_inner(&mut self, e: &ExprRef) -> Option<ExprRef> {
        let mut ch = false;
        let new = match &**e {
            Expr::Var { depth: 0, slot, .. } => return self.use_of(*slot),
            // Other frames, or nothing evaluated in this one.
            Expr::Var { .. }
            | Expr::Const(_)
            | Expr::Global(_)
            | Expr::BuiltinSelect(_)
            | Expr::WithVar { .. }
            | Expr::CurPos(_)
            | Expr::Lambda(_)
            | Expr::Let { .. } => return None,
            Expr::LetHere {
                base,
                bindings,
                body,
            } => {
                let bindings = bindings
                    .iter()
                    .map(|b| b.as_ref().map(|b| self.sub(b, &mut ch)))
                    .collect();
                let body = self.sub(body, &mut ch);
                Expr::LetHere {
                    base: *base,
                    bindings,
                    body,
                }
            }
            Expr::LetUse { slot, value } => Expr::LetUse {
                slot: *slot,
                value: self.sub(value, &mut ch),
            },
            Expr::Attrs {
                attrs,
                dynamic,
                pos,
            } => {
                let attrs = attrs
                    .iter()
                    .map(|a| AttrDef {
                        name: a.name,
                        pos: a.pos,
                        value: self.sub(&a.value, &mut ch),
                    })
                    .collect();
                let dynamic = dynamic
                    .iter()
                    .map(|d| DynAttrDef {
                        name: self.sub(&d.name, &mut ch),
                        pos: d.pos,
                        value: self.sub(&d.value, &mut ch),
                    })
                    .collect();
                Expr::Attrs {
                    attrs,
                    dynamic,
                    pos: *pos,
                }
            }
            Expr::List(items) => Expr::List(items.iter().map(|i| self.sub(i, &mut ch)).collect()),
            Expr::Select {
                expr,
                path,
                default,
                pos,
            } => Expr::Select {
                expr: self.sub(expr, &mut ch),
                path: self.names(path, &mut ch),
                default: default.as_ref().map(|d| self.sub(d, &mut ch)),
                pos: *pos,
            },
            Expr::HasAttr { expr, path } => Expr::HasAttr {
                expr: self.sub(expr, &mut ch),
                path: self.names(path, &mut ch),
            },
            Expr::Apply { func, args, pos } => Expr::Apply {
                func: self.sub(func, &mut ch),
                args: placed(
                    &args
                        .iter()
                        .map(|a| self.sub(a, &mut ch))
                        .collect::<Vec<_>>(),
                ),
                pos: *pos,
            },
            Expr::If {
                cond,
                then,
                else_,
                pos,
            } => Expr::If {
                cond: self.sub(cond, &mut ch),
                then: self.sub(then, &mut ch),
                else_: self.sub(else_, &mut ch),
                pos: *pos,
            },
            Expr::Assert {
                cond,
                body,
                pos,
                text,
            } => Expr::Assert {
                cond: self.sub(cond, &mut ch),
                body: self.sub(body, &mut ch),
                pos: *pos,
                text: text.clone(),
            },
            // The scope is delayed in this environment; the body has a
            // frame of its own.
            Expr::With { attrs, body, size } => Expr::With {
                attrs: self.sub(attrs, &mut ch),
                body: *body,
                size: *size,
            },
            Expr::Not(inner, pos) => Expr::Not(self.sub(inner, &mut ch), *pos),
            Expr::Neg(inner, pos) => Expr::Neg(self.sub(inner, &mut ch), *pos),
            Expr::BinOp { op, lhs, rhs, pos } => Expr::BinOp {
                op: *op,
                lhs: self.sub(lhs, &mut ch),
                rhs: self.sub(rhs, &mut ch),
                pos: *pos,
            },
            Expr::Add {
                lhs,
                rhs,
                pos,
                lhs_pos,
                rhs_pos,
            } => Expr::Add {
                lhs: self.sub(lhs, &mut ch),
                rhs: self.sub(rhs, &mut ch),
                pos: *pos,
                lhs_pos: *lhs_pos,
                rhs_pos: *rhs_pos,
            },
            Expr::ConcatStrings {
                parts,
                pos,
                force_string,
            } => Expr::ConcatStrings {
                parts: parts
                    .iter()
                    .map(|(p, e)| (*p, self.sub(e, &mut ch)))
                    .collect(),
                pos: *pos,
                force_string: *force_string,
            },
            Expr::Thunked(inner) => Expr::Thunked(self.sub(inner, &mut ch)),
            Expr::RecOverrides { set, slots } => Expr::RecOverrides {
                set: self.sub(set, &mut ch),
                slots: slots.clone(),
            },
        };
        ch.then(|| ExprRef::new(new))
    }
}
