//! Runtime values.
//!
//! [`Value`] is 16 bytes: a tag and one word (a scalar, or a thin `Rc` or
//! `Shared` pointer).
//! Heap values are reference counted and immutable once built, except thunks,
//! which are overwritten in place by their result (memoisation) and marked as
//! black holes while being evaluated (infinite-recursion detection).
//! See `docs/src/eval/evaluator.md` (Values).

mod attrs;
mod drop;
mod env;
mod shared;
mod string;

use std::rc::Rc;

pub use attrs::{Attr, Attrs};
pub(crate) use env::Env;
pub(crate) use shared::Shared;
pub use string::{Context, CtxElem, CtxKind, NixString};

use crate::{
    Pos,
    errors::Result,
    eval::Evaluator,
    ir::{ExprRef, LambdaDef},
};

/// A list: a shared, immutable vector.
pub type NixList = Rc<List>;

/// The elements of a list. A newtype over `Vec` only so that dropping it
/// goes through [`drop`]'s queue: lists nested 100,000 deep (built without
/// thunks between the levels) would otherwise be freed recursively.
#[derive(Debug, Default)]
pub struct List(Vec<Value>);

impl std::ops::Deref for List {
    type Target = Vec<Value>;
    fn deref(&self) -> &Vec<Value> {
        &self.0
    }
}

impl List {
    /// Appends the elements of `list` to `out`. A list nobody else holds
    /// gives its elements up (moved, without touching their counts, and its
    /// vector itself when `out` is empty); a shared one's are cloned.
    pub(crate) fn append_to(list: NixList, out: &mut Vec<Value>) {
        match Rc::try_unwrap(list) {
            Ok(mut l) if out.is_empty() => *out = std::mem::take(&mut l.0),
            Ok(mut l) => out.append(&mut l.0),
            Err(shared) => out.extend_from_slice(&shared),
        }
    }
}

impl From<Vec<Value>> for List {
    fn from(v: Vec<Value>) -> List {
        List(v)
    }
}

impl Drop for List {
    fn drop(&mut self) {
        if self.0.iter().any(frees_container) {
            drop::defer(drop::Deferred::List(std::mem::take(&mut self.0)));
        }
    }
}

/// A Nix value (possibly an unevaluated thunk).
#[derive(Debug)]
#[non_exhaustive]
pub enum Value {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(AlignedBool),
    /// A 64-bit integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string with context.
    String(NixString),
    /// An absolute path (no context).
    Path(NixString),
    /// An attribute set.
    Attrs(Rc<Attrs>),
    /// A list.
    List(NixList),
    /// A user-defined function with its environment.
    Lambda(Rc<Closure>),
    /// A builtin function.
    PrimOp(Rc<PrimOp>),
    /// A builtin applied to fewer arguments than it takes.
    PrimOpApp(Rc<PrimOpApp>),
    /// A delayed computation.
    Thunk(Thunk),
}

const _: () = assert!(std::mem::size_of::<Value>() == 16);

impl Value {
    /// How many values hold this one's heap payload; 0 for a scalar. Every
    /// heap payload is an `Rc` or a `Shared`, both with the (strong) count
    /// as the allocation's first word, so the arms compile to the same
    /// load and merge: the compiler tests the tag against one bound
    /// instead of dispatching through a jump table over the variants (an
    /// indirect branch, for every clone and drop).
    #[inline(always)]
    fn ref_count(&self) -> usize {
        match self {
            Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) => 0,
            Value::String(s) | Value::Path(s) => s.ref_count(),
            Value::Attrs(a) => Rc::strong_count(a),
            Value::List(l) => Rc::strong_count(l),
            Value::Lambda(c) => Rc::strong_count(c),
            Value::PrimOp(p) => Rc::strong_count(p),
            Value::PrimOpApp(p) => Rc::strong_count(p),
            Value::Thunk(t) => Shared::strong_count(&t.0),
        }
    }
}

impl Clone for Value {
    /// Inlined at every use: a scalar is copied, a heap value's count is
    /// incremented and the value copied (see [`Value::ref_count`]; the
    /// derived `clone` was an out-of-line function, 7% of the integer
    /// loop's samples, and a `match` building each variant compiled to a
    /// jump table).
    #[inline(always)]
    fn clone(&self) -> Value {
        let n = self.ref_count();
        if n != 0 {
            // SAFETY: a count is bounded by the number of values in memory,
            // far below `usize::MAX`; knowing it lets the compiler drop
            // `Rc::clone`'s and `Shared::clone`'s overflow checks, so the
            // arms below are the same increment and merge.
            unsafe { std::hint::assert_unchecked(n < usize::MAX) };
            match self {
                Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) => {}
                Value::String(s) | Value::Path(s) => std::mem::forget(s.clone()),
                Value::Attrs(a) => std::mem::forget(Rc::clone(a)),
                Value::List(l) => std::mem::forget(Rc::clone(l)),
                Value::Lambda(c) => std::mem::forget(Rc::clone(c)),
                Value::PrimOp(p) => std::mem::forget(Rc::clone(p)),
                Value::PrimOpApp(p) => std::mem::forget(Rc::clone(p)),
                Value::Thunk(t) => std::mem::forget(Shared::clone(&t.0)),
            }
        }
        // SAFETY: a bitwise copy; the payload's count (if any) was
        // incremented for it above.
        unsafe { std::ptr::read(self) }
    }
}

impl Drop for Value {
    /// Dropping a shared heap value only decrements its count: one test of
    /// the tag, one of the count, no call (see [`Value::ref_count`]). The
    /// last reference is dropped out of line, in [`drop_last`].
    #[inline]
    fn drop(&mut self) {
        // Not `ref_count() > 1`: with a separate test for scalars, the
        // compiler no longer inlined this (fib +8% instructions).
        let shared = match self {
            Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) => return,
            Value::String(s) | Value::Path(s) => s.ref_count() > 1,
            Value::Attrs(a) => Rc::strong_count(a) > 1,
            Value::List(l) => Rc::strong_count(l) > 1,
            Value::Lambda(c) => Rc::strong_count(c) > 1,
            Value::PrimOp(p) => Rc::strong_count(p) > 1,
            Value::PrimOpApp(p) => Rc::strong_count(p) > 1,
            Value::Thunk(t) => Shared::strong_count(&t.0) > 1,
        };
        // `self` is left `Null` on both paths, which the compiler sees: its
        // own drop of the fields, after this, folds away.
        let v = std::mem::ManuallyDrop::new(std::mem::replace(self, Value::Null));
        if shared {
            // SAFETY: `v` is never dropped or used again; the payload only
            // loses a count (others remain). Inlined here, with the count
            // known to be above one, the arms merge into one decrement.
            unsafe { drop_payload(&v) }
        } else {
            drop_last(v);
        }
    }
}

/// This thread's empty list, which every empty list shares, as C++ Nix's
/// `[ ]` takes no allocation: nothing tells empty lists apart (`«repeated»`
/// is never printed for one, and equality does not look at identity). The
/// same thread-local as `Attrs::empty`'s, kept out of line: inlined, its
/// first-use check kept `Value::list` from being inlined.
#[inline(never)]
fn empty_list() -> NixList {
    thread_local! {
        static EMPTY: NixList = Rc::new(List(Vec::new()));
    }
    EMPTY.with(Rc::clone)
}

/// Drops the last reference to a heap value.
#[inline(never)]
fn drop_last(v: std::mem::ManuallyDrop<Value>) {
    // SAFETY: `v` is never dropped or used again.
    unsafe { drop_payload(&v) }
}

/// Reads the payload out of `v` and drops it.
///
/// # Safety
/// The caller must neither drop nor use `v` afterwards (it holds it in a
/// `ManuallyDrop`): its payload is owned by this call.
#[inline(always)]
unsafe fn drop_payload(v: &Value) {
    // SAFETY: see the function's contract.
    unsafe {
        match v {
            Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) => {}
            Value::String(s) | Value::Path(s) => drop(std::ptr::read(s)),
            Value::Attrs(a) => drop(std::ptr::read(a)),
            Value::List(l) => drop(std::ptr::read(l)),
            Value::Lambda(c) => drop(std::ptr::read(c)),
            Value::PrimOp(p) => drop(std::ptr::read(p)),
            Value::PrimOpApp(p) => drop(std::ptr::read(p)),
            Value::Thunk(t) => drop(std::ptr::read(t)),
        }
    }
}

impl Value {
    /// Moves out the payload `field` picks, if it picks one; `Err` with the
    /// value itself otherwise.
    ///
    /// # Safety
    /// `field` must return a field of the value itself, never something
    /// inside the payload: that field is then owned by the result alone.
    #[inline(always)]
    unsafe fn move_out<T>(
        self,
        field: impl FnOnce(&Value) -> Option<&T>,
    ) -> std::result::Result<T, Value> {
        let v = std::mem::ManuallyDrop::new(self);
        match field(&v) {
            // SAFETY: `v` is never dropped, and `x` is one of its fields
            // (the contract above), read out once.
            Some(x) => Ok(unsafe { std::ptr::read(x) }),
            None => Err(std::mem::ManuallyDrop::into_inner(v)),
        }
    }

    /// The list, moved out; `Err` with the value itself if it is not one.
    #[inline]
    pub fn into_list(self) -> std::result::Result<NixList, Value> {
        // SAFETY: the closure returns the variant's own field.
        unsafe {
            self.move_out(|v| match v {
                Value::List(x) => Some(x),
                _ => None,
            })
        }
    }

    /// The set, moved out; `Err` with the value itself if it is not one.
    #[inline]
    pub fn into_attrs(self) -> std::result::Result<Rc<Attrs>, Value> {
        // SAFETY: the closure returns the variant's own field.
        unsafe {
            self.move_out(|v| match v {
                Value::Attrs(x) => Some(x),
                _ => None,
            })
        }
    }

    /// The string (not a path), moved out; `Err` with the value itself if
    /// it is not one.
    #[inline]
    pub fn into_string(self) -> std::result::Result<NixString, Value> {
        // SAFETY: the closure returns the variant's own field.
        unsafe {
            self.move_out(|v| match v {
                Value::String(x) => Some(x),
                _ => None,
            })
        }
    }
}

/// A Boolean aligned as a word, the payload of [`Value::Bool`].
///
/// With every payload of [`Value`] one aligned 8-byte word, rustc treats a
/// value as a pair of scalars (tag, word): it is moved with two word moves
/// and returned in registers. A plain `bool` sat at byte 1, so each move of
/// a `Value` also copied bytes 1 to 7 with overlapping unaligned moves, which
/// defeat the processor's store forwarding (10-20% of the time of variable
/// lookups through `with`, measured with `perf`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(align(8))]
pub struct AlignedBool(pub bool);

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(AlignedBool(b))
    }
}

impl Value {
    /// A Boolean value.
    #[must_use]
    pub const fn bool(b: bool) -> Value {
        Value::Bool(AlignedBool(b))
    }

    /// A string value without context.
    pub fn string(s: impl Into<NixString>) -> Value {
        Value::String(s.into())
    }

    /// An attribute set value.
    #[must_use]
    pub fn attrs(a: Attrs) -> Value {
        Value::Attrs(Rc::new(a))
    }

    /// A list value.
    #[must_use]
    pub fn list(v: Vec<Value>) -> Value {
        if v.is_empty() {
            return Value::List(empty_list());
        }
        Value::List(Rc::new(List(v)))
    }

    /// The type name `builtins.typeOf` reports (thunks report "thunk").
    #[must_use]
    pub fn type_of(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::String(_) => "string",
            Value::Path(_) => "path",
            Value::Attrs(_) => "set",
            Value::List(_) => "list",
            Value::Lambda(_) | Value::PrimOp(_) | Value::PrimOpApp(_) => "lambda",
            Value::Thunk(_) => "thunk",
        }
    }

    /// The type as C++ Nix's `showType` names it in errors ("a string", ...).
    #[must_use]
    pub fn show_type(&self) -> String {
        match self {
            Value::Null => "null".into(),
            Value::Bool(_) => "a Boolean".into(),
            Value::Int(_) => "an integer".into(),
            Value::Float(_) => "a float".into(),
            Value::String(s) if !s.context().is_empty() => "a string with context".into(),
            Value::String(_) => "a string".into(),
            Value::Path(_) => "a path".into(),
            Value::Attrs(_) => "a set".into(),
            Value::List(_) => "a list".into(),
            Value::Lambda(_) => "a function".into(),
            Value::PrimOp(p) => format!("the built-in function '{}'", p.name),
            Value::PrimOpApp(p) => {
                format!(
                    "the partially applied built-in function '{}'",
                    p.primop.name
                )
            }
            Value::Thunk(t) => {
                if t.is_app() {
                    "a function application".into()
                } else {
                    "a thunk".into()
                }
            }
        }
    }

    /// C++ Nix's `Value::determinePos`: a set's position (none for a set
    /// not built by a literal, see [`Attrs::pos`]), a function's, that of
    /// the function of a pending application; `fallback` for anything else
    /// (an unevaluated thunk, a builtin, a scalar).
    #[must_use]
    pub fn determine_pos(&self, fallback: Pos) -> Pos {
        match self {
            Value::Attrs(a) => a.pos(),
            Value::Lambda(c) => c.lambda.pos,
            Value::Thunk(t) => t.0.peek(|s| match s {
                ThunkState::Done(v) => v.determine_pos(fallback),
                ThunkState::App(f, _) => f.determine_pos(fallback),
                _ => fallback,
            }),
            _ => fallback,
        }
    }

    /// True if this is a function of any kind (not a functor set).
    #[must_use]
    pub fn is_function(&self) -> bool {
        matches!(
            self,
            Value::Lambda(_) | Value::PrimOp(_) | Value::PrimOpApp(_)
        )
    }
}

impl Drop for ThunkCell {
    /// An evaluated value or an application may head a long chain (a lazy
    /// stream): when they hold the last reference to a container, their
    /// contents are dropped through [`drop`]'s queue. The other states are
    /// dropped as they are (a pending state's environment defers its own
    /// slots). The drop glue of a state outside a cell (the pending state
    /// `force_thunk` takes out) is then plain field drops.
    fn drop(&mut self) {
        match std::mem::replace(self.0.get_mut(), ThunkState::Blackhole) {
            ThunkState::Done(v) => match v {
                Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) => {}
                v if frees_container(&v) => drop::defer(drop::Deferred::Values(v, None)),
                v => drop(v),
            },
            // An application's function is usually shared (a lambda or
            // builtin used for every element of a list): then only a
            // container it is the last holder of needs the queue.
            ThunkState::App(f, a) => {
                if frees_container(&f) || frees_container(&a) {
                    drop::defer(drop::Deferred::Values(f, Some(a)));
                }
            }
            other => drop(other),
        }
    }
}

/// True if dropping `v` frees a container (the last reference to a set,
/// list, closure, thunk or partial application), which may free a long
/// chain: only such drops go through [`drop`]'s queue. Dropping a value
/// that is shared only decrements a count.
#[inline]
pub(super) fn frees_container(v: &Value) -> bool {
    match v {
        Value::Attrs(a) => Rc::strong_count(a) == 1,
        Value::List(l) => Rc::strong_count(l) == 1,
        Value::Lambda(c) => Rc::strong_count(c) == 1,
        Value::Thunk(t) => Shared::strong_count(&t.0) == 1,
        Value::PrimOpApp(p) => Rc::strong_count(p) == 1,
        _ => false,
    }
}

/// A user-defined function closed over its environment.
#[derive(Debug)]
pub struct Closure {
    pub(crate) lambda: &'static LambdaDef,
    pub(crate) env: Env,
    /// The definition's body, copied here: it makes a closure's `Rc` 40
    /// bytes, the size the `tvix` allocator recycles (thunks and frames),
    /// instead of 32, a `malloc` of its own; a call reads it from here.
    pub(crate) body: ExprRef,
}

// With `Rc`'s two counts, 40 bytes: see `body`.
const _: () = assert!(std::mem::size_of::<Closure>() == 24);

/// The Rust function behind a builtin: receives exactly `arity` arguments
/// (unforced) and the position of the call.
pub type PrimOpFn = Rc<dyn Fn(&Evaluator, Pos, &[Value]) -> Result<Value>>;

/// A builtin function.
pub struct PrimOp {
    /// Its name (without `__`), as used in error messages.
    pub name: &'static str,
    /// Number of arguments it takes.
    pub arity: usize,
    /// The implementation.
    pub func: PrimOpFn,
    /// The arguments it forces first, by index, in order, with their types
    /// (see [`ArgType`]); empty if not declared.
    pub forces: &'static [(usize, ArgType)],
}

/// The type a builtin requires of one of the arguments it forces first.
///
/// A builtin declares `[(i0, t0), (i1, t1), ...]` (with
/// [`crate::Builtin::forcing`]) when the first thing it does is force its
/// argument `i0`, check it against `t0` (failing if it does not match), then
/// force argument `i1` and check it against `t1`, and so on, with nothing
/// observable (output, another error, a condition that skips the next
/// argument) in between. A direct call `builtins.f a b` then evaluates
/// those arguments in that order before the call instead of allocating a
/// thunk for each; it stops at the first argument that fails to evaluate
/// (the builtin receives a thunk that gives the same error when forced, so
/// its error frames are unchanged) or that does not have the declared type
/// (the rest stay lazy, and the builtin does what it does with that value
/// itself). A declared type may be narrower than what the builtin accepts:
/// that only ends the early evaluation sooner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ArgType {
    /// Any value in weak head normal form.
    Any,
    /// An integer.
    Int,
    /// A string without context.
    PlainString,
    /// A string, with or without context.
    String,
    /// An attribute set.
    Attrs,
    /// A list.
    List,
    /// A list with at least one element (`map` forces its function only
    /// then).
    NonEmptyList,
    /// A lambda or a builtin (sets with `__functor` end the early
    /// evaluation).
    Function,
}

impl ArgType {
    /// True if the evaluated `v` has this type.
    pub(crate) fn accepts(self, v: &Value) -> bool {
        match self {
            ArgType::Any => true,
            ArgType::Int => matches!(v, Value::Int(_)),
            ArgType::PlainString => {
                matches!(v, Value::String(s) if s.context().is_empty())
            }
            ArgType::String => matches!(v, Value::String(_)),
            ArgType::Attrs => matches!(v, Value::Attrs(_)),
            ArgType::List => matches!(v, Value::List(_)),
            ArgType::NonEmptyList => matches!(v, Value::List(l) if !l.is_empty()),
            ArgType::Function => {
                matches!(v, Value::Lambda(_) | Value::PrimOp(_) | Value::PrimOpApp(_))
            }
        }
    }
}

impl std::fmt::Debug for PrimOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PrimOp({})", self.name)
    }
}

/// A builtin partially applied.
#[derive(Debug)]
pub struct PrimOpApp {
    pub(crate) primop: Rc<PrimOp>,
    /// A boxed slice, not a `Vec`: with `Rc`'s counts a partial application
    /// is then 40 bytes, the size the `tvix` allocator recycles.
    pub(crate) args: Box<[Value]>,
}

const _: () = assert!(std::mem::size_of::<PrimOpApp>() == 24);

/// A delayed computation, shared by every value that refers to it.
#[derive(Clone)]
pub struct Thunk(pub(crate) Shared<ThunkCell>);

impl std::fmt::Debug for Thunk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.peek(|s| s.fmt(f))
    }
}

/// The states of a thunk.
#[derive(Debug)]
pub(crate) enum ThunkState {
    /// An expression to evaluate in an environment.
    Pending(ExprRef, Env),
    /// A function application (as `map` creates).
    App(Value, Value),
    /// Being evaluated: forcing it again is an infinite recursion.
    Blackhole,
    /// Evaluated (never a thunk).
    Done(Value),
    /// Evaluated with an error, which forcing it gives again (an argument
    /// evaluated early for a builtin, see [`ArgType`]).
    Failed(crate::Error),
}

/// A thunk's state, in a cell without a borrow flag (a `RefCell` costs a
/// word per thunk and a flag update on every read).
///
/// Soundness rests on two rules, kept inside this module: references into
/// the state are handed out only for an evaluated thunk ([`Self::done`]) or
/// to closures that only look ([`Self::peek`]); and a `Done` state is never
/// replaced ([`Self::set`] leaves it alone), except by the `unsafe`
/// [`Self::overwrite`], whose callers know that no reference into it exists.
pub(crate) struct ThunkCell(std::cell::UnsafeCell<ThunkState>);

const _: () = assert!(std::mem::size_of::<ThunkCell>() == 32);

impl ThunkCell {
    fn new(s: ThunkState) -> Shared<ThunkCell> {
        Shared::new(ThunkCell(std::cell::UnsafeCell::new(s)))
    }

    /// The value of an evaluated thunk, borrowed for as long as the thunk.
    #[inline]
    pub(crate) fn done(&self) -> Option<&Value> {
        // SAFETY: a `Done` state is final (see the type's rules), so the
        // reference stays valid while `self` is borrowed.
        match unsafe { &*self.0.get() } {
            ThunkState::Done(v) => Some(v),
            _ => None,
        }
    }

    /// Runs `f` on the state; `f` must only look (it cannot reach `self`'s
    /// mutators: they are private to this module and the evaluator, and no
    /// caller passes a closure that evaluates).
    #[inline]
    pub(crate) fn peek<R>(&self, f: impl FnOnce(&ThunkState) -> R) -> R {
        // SAFETY: no mutation happens while `f` runs (see above).
        f(unsafe { &*self.0.get() })
    }

    /// Takes an unevaluated state out, leaving a black hole; `Err` with the
    /// state as it is when the thunk is evaluated or being evaluated.
    #[inline]
    pub(crate) fn take_pending(&self) -> std::result::Result<ThunkState, Option<Value>> {
        // SAFETY: no reference into a state that is not `Done` outlives a
        // `peek`, and `Done` states are not touched here.
        let s = unsafe { &mut *self.0.get() };
        match s {
            ThunkState::Done(v) => Err(Some(v.clone())),
            ThunkState::Blackhole => Err(None),
            _ => Ok(std::mem::replace(s, ThunkState::Blackhole)),
        }
    }

    /// Replaces a state that is not `Done` (a `Done` state is kept); the
    /// previous state is dropped after the cell is updated.
    #[inline]
    pub(crate) fn set(&self, new: ThunkState) {
        // SAFETY: as in `take_pending`.
        let s = unsafe { &mut *self.0.get() };
        if !matches!(s, ThunkState::Done(_)) {
            drop(std::mem::replace(s, new));
        }
    }

    /// Records `v` as the value of a thunk [`Self::take_pending`] left a
    /// black hole (the usual case: it is written without dropping anything);
    /// any other state is replaced as by [`Self::set`].
    #[inline]
    pub(crate) fn finish(&self, v: Value) {
        // SAFETY: as in `take_pending`; a black hole owns nothing, so
        // writing over it without a drop loses nothing.
        unsafe {
            let s = self.0.get();
            if matches!(*s, ThunkState::Blackhole) {
                std::ptr::write(s, ThunkState::Done(v));
            } else {
                self.set(ThunkState::Done(v));
            }
        }
    }

    /// Replaces any state, evaluated or not.
    ///
    /// # Safety
    /// No reference obtained from [`Self::done`] may be alive.
    pub(crate) unsafe fn overwrite(&self, new: ThunkState) {
        // SAFETY: the caller guarantees there is no outstanding reference.
        drop(std::mem::replace(unsafe { &mut *self.0.get() }, new));
    }
}

impl Thunk {
    pub(crate) fn new(expr: ExprRef, env: Env) -> Thunk {
        Thunk(ThunkCell::new(ThunkState::Pending(expr, env)))
    }

    /// A thunk whose evaluation failed with `e`.
    pub(crate) fn failed(e: crate::Error) -> Thunk {
        Thunk(ThunkCell::new(ThunkState::Failed(e)))
    }

    pub(crate) fn app(f: Value, arg: Value) -> Thunk {
        Thunk(ThunkCell::new(ThunkState::App(f, arg)))
    }

    /// A thunk whose value [`Thunk::fill`] gives later (a blackhole until
    /// then), for values that refer to themselves.
    pub(crate) fn evaluated_later() -> Thunk {
        Thunk(ThunkCell::new(ThunkState::Blackhole))
    }

    /// Sets the value of a thunk made by [`Thunk::evaluated_later`].
    pub(crate) fn fill(&self, v: Value) {
        self.0.set(ThunkState::Done(v));
    }

    /// The value if already evaluated.
    #[must_use]
    pub fn value(&self) -> Option<Value> {
        self.0.done().cloned()
    }

    /// True while the thunk is being evaluated.
    #[must_use]
    pub fn is_blackhole(&self) -> bool {
        self.0.peek(|s| matches!(s, ThunkState::Blackhole))
    }

    fn is_app(&self) -> bool {
        self.0.peek(|s| matches!(s, ThunkState::App(..)))
    }

    /// True if both are the same thunk.
    #[must_use]
    pub fn ptr_eq(&self, other: &Thunk) -> bool {
        Shared::ptr_eq(&self.0, &other.0)
    }
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use super::{Attrs, NixString, Value};

    /// Empty lists are one shared list that is never freed; others are
    /// their own.
    #[test]
    fn empty_lists_are_one_list() {
        let list = |v: Vec<Value>| Value::list(v).into_list().expect("a list");
        let (a, b) = (list(Vec::new()), list(Vec::new()));
        assert!(Rc::ptr_eq(&a, &b));
        // The thread's own count, and these two.
        assert_eq!(Rc::strong_count(&a), 3);
        drop((a, b));
        let c = list(Vec::new());
        assert!(c.is_empty());
        assert_eq!(Rc::strong_count(&c), 2);
        let (x, y) = (list(vec![Value::Null]), list(vec![Value::Null]));
        assert!(!Rc::ptr_eq(&x, &y));
    }

    #[test]
    fn dropping_a_shared_value_leaves_the_others_intact() {
        let l = Value::list(vec![Value::Int(1), Value::string("s")]);
        let Value::List(inner) = &l else {
            panic!("not a list")
        };
        let weak = Rc::downgrade(inner);
        let copies: Vec<Value> = (0..3).map(|_| l.clone()).collect();
        assert_eq!(weak.strong_count(), 4);
        drop(copies);
        assert_eq!(weak.strong_count(), 1);
        assert!(matches!(&l, Value::List(x) if x.len() == 2));
        drop(l);
        assert!(weak.upgrade().is_none(), "the last drop frees the list");
    }

    #[test]
    fn dropping_the_last_reference_frees_what_it_holds() {
        let s = Value::string("held");
        let Value::String(ns) = &s else {
            panic!("not a string")
        };
        let ns: NixString = ns.clone();
        let set = Value::attrs(Attrs::from_unsorted(vec![super::Attr {
            name: crate::Symbol::new(b"a"),
            pos: crate::Pos::NONE,
            value: s,
        }]));
        let Value::Attrs(a) = &set else {
            panic!("not a set")
        };
        let weak = Rc::downgrade(a);
        assert_eq!(ns.ref_count(), 2);
        drop(set);
        assert!(weak.upgrade().is_none());
        assert_eq!(
            ns.ref_count(),
            1,
            "the set's copy of the string was dropped"
        );
        assert_eq!(ns.as_bytes(), b"held");
    }

    #[test]
    fn payloads_move_out_without_a_new_reference() {
        let l = Value::list(vec![Value::Null]);
        let Value::List(inner) = &l else {
            panic!("not a list")
        };
        let weak = Rc::downgrade(inner);
        let taken = l.into_list().expect("a list");
        assert_eq!(Rc::strong_count(&taken), 1);
        drop(taken);
        assert!(weak.upgrade().is_none());

        let a = Value::attrs(Attrs::default());
        assert_eq!(Rc::strong_count(&a.into_attrs().expect("a set")), 1);
        let s = Value::string("x");
        assert_eq!(s.into_string().expect("a string").as_bytes(), b"x");

        // Another type is handed back whole.
        assert!(matches!(Value::Int(3).into_list(), Err(Value::Int(3))));
        let p = Value::Path(NixString::from("/p"));
        assert!(matches!(&p.into_string(), Err(Value::Path(x)) if x.as_bytes() == b"/p"));
        let kept = Value::list(vec![]);
        assert!(matches!(kept.into_attrs(), Err(Value::List(_))));
    }
}
