//! The evaluator: a tree-walking interpreter over the resolved IR.
//!
//! `eval` computes an expression to weak head normal form; `lazy` delays one
//! (literals and variables are not wrapped, exactly where C++ Nix's
//! `maybeThunk` avoids a thunk, so unforced values print the same); `force`
//! evaluates a thunk once, black-holing it meanwhile. Calls bind arguments
//! into a fresh environment and evaluate the body directly: no per-call
//! allocation besides the environment itself.
//!
//! Deep recursion: every recursion point that can nest without bound (calls,
//! forcing, deep comparison, printing, JSON/XML) grows the native stack on
//! demand (`stacker`), so deep Nix recursion never overflows the process
//! stack; calls ([`Evaluator::call`]) and the operators C++ Nix compiles
//! to builtin calls also count call depth like C++ Nix's `max-call-depth`
//! (default 10000, "stack overflow; max-call-depth exceeded"); forcing a
//! thunk does not count, as in C++ Nix.

pub(crate) mod ops;

use std::{
    cell::{Cell, RefCell},
    path::PathBuf,
    rc::Rc,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use rustc_hash::FxHashMap;

use crate::{
    Attr, Attrs, NixString, Pos, Symbol, Value,
    errors::{Error, ErrorKind, Result, TraceMessage},
    io::EvalIO,
    ir::{AttrName, BinOp, Expr, ExprRef, LambdaDef},
    source::SourceMap,
    symbol::known,
    value::{Closure, Env, PrimOp, PrimOpApp, Thunk, ThunkState},
};

/// Receives warnings (`builtins.warn`, Nix's own) and traces (`builtins.trace`).
pub trait Observer {
    /// A `builtins.trace` message, already rendered as C++ Nix prints it
    /// after `trace: `.
    fn trace(&self, message: &str);
    /// A warning (`builtins.warn`), the text after `evaluation warning: `.
    fn warn(&self, message: &str);
    /// A warning of Nix itself (C++ `warn`, e.g. a dubious URL query in a
    /// flake reference), printed after `warning: `.
    fn log_warning(&self, message: &str);
}

/// Prints traces and warnings on stderr as C++ Nix does.
#[derive(Debug, Default)]
pub struct StderrObserver;

impl Observer for StderrObserver {
    fn trace(&self, message: &str) {
        eprintln!("trace: {message}");
    }
    fn warn(&self, message: &str) {
        eprintln!("{}", format_warning(message));
    }
    fn log_warning(&self, message: &str) {
        eprintln!("warning: {message}");
    }
}

/// C++ `showErrorInfo` for a warning: the message without trailing
/// whitespace, each further line indented under the first, every line
/// without trailing whitespace.
fn format_warning(message: &str) -> String {
    const PREFIX: &str = "evaluation warning: ";
    let body = message.trim_end_matches([' ', '\n', '\r', '\t']);
    let mut out = String::new();
    for (i, line) in body.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let indent = if i == 0 {
            PREFIX
        } else {
            "                    "
        };
        out.push_str(format!("{indent}{line}").trim_end_matches([' ', '\n', '\r', '\t']));
    }
    out
}

/// Evaluation settings fixed when the evaluator is built.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub(crate) max_call_depth: usize,
    pub(crate) show_trace: bool,
    pub(crate) pure: bool,
    pub(crate) abort_on_warn: bool,
    /// `fromTOML` returns dates and times (experimental
    /// `parse-toml-timestamps`) instead of failing.
    pub(crate) toml_timestamps: bool,
}

/// The evaluator state shared by one evaluation.
pub struct Evaluator {
    pub(crate) sources: SourceMap,
    pub(crate) globals: Vec<Value>,
    /// The `builtins` attribute of the builtins set, which holds the set
    /// itself; emptied on drop so the cycle does not leak.
    pub(crate) builtins_self: crate::value::Thunk,
    pub(crate) global_names: FxHashMap<Symbol, u32>,
    /// Attributes of `builtins` that are not thunks, and their global slot.
    pub(crate) builtin_attrs: FxHashMap<Symbol, u32>,
    pub(crate) io: Box<dyn EvalIO>,
    pub(crate) observer: Box<dyn Observer>,
    pub(crate) settings: Settings,
    pub(crate) depth: Cell<usize>,
    /// How deeply the walks over nested values ([`Self::nested`]) are
    /// nested.
    pub(crate) nesting: Cell<u32>,
    pub(crate) import_cache: RefCell<FxHashMap<Vec<u8>, Value>>,
    pub(crate) regex_cache: RefCell<FxHashMap<Vec<u8>, Rc<crate::builtins::regex::Regex>>>,
    pub(crate) home: Option<Vec<u8>>,
    /// Nesting of `tryEval`, for `builtins.trace` and friends.
    pub(crate) try_level: Cell<usize>,
    /// Set by the embedder (another thread, a signal handler) to stop the
    /// evaluation: polled with one relaxed load per function call.
    pub(crate) interrupt: Arc<AtomicBool>,
    /// The lowest address the native stack segment we run on may use
    /// (`usize::MAX` until known): [`Self::stack`] compares the stack
    /// pointer with it instead of asking `stacker` (a thread-local read and
    /// a call) at every call and force.
    pub(crate) stack_floor: Cell<usize>,
}

impl Drop for Evaluator {
    fn drop(&mut self) {
        // `builtins.builtins` refers to the set holding it: break the cycle.
        // SAFETY: nothing is being evaluated while the evaluator is dropped,
        // so no reference into the thunk's value is alive.
        unsafe {
            self.builtins_self
                .0
                .overwrite(crate::value::ThunkState::Done(Value::Null))
        };
    }
}

impl std::fmt::Debug for Evaluator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Evaluator").finish_non_exhaustive()
    }
}

/// How many levels of each walk over nested values C++ Nix 2.26's stack
/// holds (see [`Evaluator::nested`]), found by bisection with
/// nix-instantiate on lists (and sets) nested N deep around an integer; its
/// own limit varies by a few levels from run to run. deepSeq, toJSON and
/// toXML count a level for every value they enter, coercion does not count
/// the value it starts from, and `==` does not count integers: the deepest
/// nesting that works is one less than the limit for the first three and
/// the limit itself for the other two (the table in the evaluator chapter
/// of the docs).
#[derive(Clone, Copy)]
pub(crate) enum Nesting {
    /// `forceValueDeep`: deepSeq and `--strict`.
    DeepForce = 83_868,
    /// toJSON.
    Json = 99_842,
    /// toXML.
    Xml = 104_834,
    /// `==`.
    Eq = 465_925,
    /// Coercion to a string of lists in lists.
    Coerce = 155_302,
}

/// Red zone and growth step for `stacker`.
const RED_ZONE: usize = 256 * 1024;
const STACK_GROWTH: usize = 4 * 1024 * 1024;

/// The current native stack pointer (approximately: a local's address).
#[inline(always)]
fn stack_pointer() -> usize {
    let marker = 0u8;
    std::ptr::addr_of!(marker) as usize
}

/// `v` in weak head normal form, borrowed, if it is already evaluated (not
/// a thunk, or a thunk that was forced).
#[inline]
fn whnf(v: &Value) -> Option<&Value> {
    match v {
        Value::Thunk(t) => t.0.done(),
        v => Some(v),
    }
}

/// The frame `depth` levels up from `env`.
///
/// Each level loads the parent handle from the frame's header, and the
/// loop is left at a missing parent instead of staying on the root
/// (`unwrap_or`): one load and a test a level, where tracking a reference
/// and the frame through conditional moves took five to six instructions.
#[inline]
fn env_at(env: &Env, depth: u32) -> &Env {
    let mut e = env;
    for _ in 0..depth {
        // Invariant: the compiler only emits depths of enclosing scopes, and
        // every scope is one runtime frame.
        match e.parent() {
            Some(p) => e = p,
            None => break,
        }
    }
    e
}

/// The value of `e` if it is a variable whose value is evaluated (not a
/// thunk, or a forced one), borrowed from its slot or its thunk.
///
/// Holding the reference while evaluating something else is safe as it is
/// for `eval_var`: a slot is written once, an evaluated thunk never changes,
/// and `env` keeps both alive.
#[inline(always)]
fn evaluated_var<'a>(e: &ExprRef, env: &'a Env) -> Option<&'a Value> {
    if !e.is_var() {
        return None;
    }
    let Expr::Var { depth, slot, .. } = &**e else {
        return None;
    };
    env_at(env, *depth).slots()[*slot as usize]
        .get()
        .and_then(whnf)
}

/// The error of a call past `max-call-depth`, out of the calls' way.
#[cold]
#[inline(never)]
fn call_depth_exceeded(pos: Pos) -> Error {
    Error::eval("stack overflow; max-call-depth exceeded").at(pos)
}

/// The error of an evaluation interrupted by the user (Ctrl-C).
#[cold]
#[inline(never)]
fn interrupted(pos: Pos) -> Error {
    Error::new(ErrorKind::Interrupted, "interrupted by the user").at(pos)
}

/// Ends the forcing of `t` with `r`: a value is recorded over the black
/// hole, and only then is what the state held (moved into `taken`: the
/// expression and environment, or the function and argument) dropped, in
/// place; an error puts the state back (as C++ Nix, a failed thunk can be
/// forced again).
#[inline(always)]
fn settle(t: &Thunk, r: Result<Value>, taken: impl FnOnce() -> ThunkState) -> Result<Value> {
    match r {
        Ok(v) => {
            t.0.finish(v.clone());
            drop(taken);
            Ok(v)
        }
        Err(err) => {
            t.0.set(taken());
            Err(err)
        }
    }
}

impl Evaluator {
    /// The sources parsed so far (for rendering error positions).
    #[must_use]
    pub fn sources(&self) -> &SourceMap {
        &self.sources
    }

    /// Runs `f`, one level of a recursive walk over nested values (deepSeq,
    /// `==`, toJSON, toXML, coercion of a list), on a growing stack.
    ///
    /// C++ Nix walks these on its native stack, and that alone bounds them:
    /// some `limit` levels down (it depends on the walk's frame size) its
    /// stack overflow handler prints "stack overflow (possible infinite
    /// recursion)" and exits. So does a walk here past `limit` levels of
    /// all the walks in progress ([`ErrorKind::StackOverflow`]: no
    /// position, no trace, not caught by `tryEval`): an infinitely deep
    /// value ends as quickly as in C++ Nix instead of filling the memory.
    #[inline]
    pub(crate) fn nested<T>(&self, limit: Nesting, f: impl FnOnce() -> Result<T>) -> Result<T> {
        let d = self.nesting.get();
        if d >= limit as u32 {
            return Err(Error::new(
                ErrorKind::StackOverflow,
                "stack overflow (possible infinite recursion)",
            ));
        }
        self.nesting.set(d + 1);
        let r = self.stack(f);
        self.nesting.set(d);
        r
    }

    /// Counts one call depth (as C++ Nix's `addCallDepth`) around an
    /// operator that C++ Nix evaluates as a call of a builtin (`-`, `*`,
    /// `/`, `<`, ...), without the stack check of a call.
    #[inline]
    fn counted<T>(&self, pos: Pos, f: impl FnOnce() -> Result<T>) -> Result<T> {
        let d = self.depth.get();
        if d > self.settings.max_call_depth {
            return Err(call_depth_exceeded(pos));
        }
        self.depth.set(d + 1);
        let r = f();
        self.depth.set(d);
        r
    }

    /// Grows the native stack if needed, without counting call depth (for
    /// recursive walks over data: printing, comparison, deepSeq).
    #[inline]
    pub(crate) fn stack<T>(&self, f: impl FnOnce() -> T) -> T {
        // Fast path: more than the red zone left above the known floor of
        // the current segment.
        if self.stack_left() {
            return f();
        }
        self.stack_slow(f)
    }

    /// Whether more than the red zone is left above the known floor of the
    /// current stack segment.
    #[inline(always)]
    fn stack_left(&self) -> bool {
        stack_pointer()
            .checked_sub(self.stack_floor.get())
            .is_some_and(|left| left > RED_ZONE)
    }

    /// Finds the floor of the current stack segment, growing onto a new
    /// segment when less than the red zone is left; the floor of a new
    /// segment is recorded while `f` runs on it and restored afterwards.
    #[cold]
    #[inline(never)]
    fn stack_slow<T>(&self, f: impl FnOnce() -> T) -> T {
        match stacker::remaining_stack() {
            Some(left) if left <= RED_ZONE => {
                let outer = self.stack_floor.get();
                let r = stacker::grow(STACK_GROWTH, || {
                    if let Some(left) = stacker::remaining_stack() {
                        self.stack_floor.set(stack_pointer().saturating_sub(left));
                    }
                    f()
                });
                self.stack_floor.set(outer);
                r
            }
            Some(left) => {
                self.stack_floor.set(stack_pointer().saturating_sub(left));
                f()
            }
            // Unknown stack bounds: as `stacker::maybe_grow`, no growth.
            None => f(),
        }
    }

    // ------------------------------------------------------------ laziness

    /// Delays `e` in `env`, without a thunk where C++ Nix has none.
    #[inline]
    pub(crate) fn lazy(&self, e: &ExprRef, env: &Env) -> Value {
        // Most delayed expressions get a thunk: decided from the pointer,
        // without reading the node.
        if e.is_delayed() {
            return Value::Thunk(Thunk::new(*e, env.clone()));
        }
        match &**e {
            Expr::Const(v) => v.clone(),
            Expr::Var { depth, slot, .. } => {
                match env_at(env, *depth).slots()[*slot as usize].get() {
                    Some(v) => v.clone(),
                    None => Value::Thunk(Thunk::new(*e, env.clone())),
                }
            }
            Expr::Global(g) => self.globals[*g as usize].clone(),
            Expr::LetUse { slot, .. } => match env.slots()[*slot as usize].get() {
                Some(v) => v.clone(),
                None => Value::Thunk(Thunk::new(*e, env.clone())),
            },
            // C++ Nix's `ExprList::maybeThunk`: `[ ]` is never delayed.
            Expr::List(items) if items.is_empty() => Value::list(Vec::new()),
            _ => Value::Thunk(Thunk::new(*e, env.clone())),
        }
    }

    /// Evaluates a value to weak head normal form.
    #[inline]
    pub fn force(&self, v: &Value, pos: Pos) -> Result<Value> {
        match v {
            Value::Thunk(t) => {
                // Already evaluated (the common case): no call.
                if let Some(v) = t.0.done() {
                    return Ok(v.clone());
                }
                self.force_thunk(t, pos)
            }
            v => Ok(v.clone()),
        }
    }

    /// `v` forced, borrowed where its value is: `v` itself, or the thunk
    /// it holds, which keeps its value once evaluated. No reference count
    /// changes when `v` is already evaluated.
    #[inline]
    pub(crate) fn force_in_place<'a>(&self, v: &'a Value, pos: Pos) -> Result<&'a Value> {
        if let Some(w) = whnf(v) {
            return Ok(w);
        }
        drop(self.force(v, pos)?);
        whnf(v).ok_or_else(forced_thunk_empty)
    }

    /// Like [`Self::force`] for a value the caller owns: a non-thunk is
    /// returned as is, without a clone.
    #[inline]
    pub(crate) fn force_owned(&self, v: Value, pos: Pos) -> Result<Value> {
        match v {
            Value::Thunk(_) => self.force(&v, pos),
            v => Ok(v),
        }
    }

    fn force_thunk(&self, t: &Thunk, pos: Pos) -> Result<Value> {
        let state = match t.0.take_pending() {
            Ok(s) => s,
            Err(Some(v)) => return Ok(v),
            Err(None) => {
                return Err(Error::new(
                    ErrorKind::InfiniteRecursion,
                    "infinite recursion encountered",
                )
                .at(pos));
            }
        };
        // As C++ Nix, only function calls count towards max-call-depth
        // (`call` counts itself); forcing a thunk only needs stack.
        match state {
            ThunkState::Pending(e, env) => {
                let r = self.stack(|| self.eval(&e, &env));
                settle(t, r, || ThunkState::Pending(e, env))
            }
            ThunkState::App(f, a) => {
                let r = self.call(&f, std::slice::from_ref(&a), pos);
                settle(t, r, || ThunkState::App(f, a))
            }
            ThunkState::Failed(e) => settle(t, Err(e.clone()), || ThunkState::Failed(e)),
            other => settle(
                t,
                Err(Error::eval("internal error: bad thunk state")),
                || other,
            ),
        }
    }

    // ----------------------------------------------------------- evaluation

    /// Evaluates an expression to weak head normal form.
    ///
    /// Only a dispatcher: every construct but a constant is evaluated by a
    /// function of its own, reached by a tail call with this function's
    /// arguments and result slot, so `eval` itself saves no registers and
    /// has no frame. With the constructs' code inline it saved six
    /// registers and stored values derived from `env` on every call, most
    /// of them for constructs that do not need them (about 25 instructions
    /// a call, 8% of the evalModules workload's).
    pub(crate) fn eval(&self, e: &ExprRef, env: &Env) -> Result<Value> {
        match &**e {
            Expr::Const(v) => Ok(v.clone()),
            Expr::Var { depth, slot, pos } => self.eval_var(*depth, *slot, *pos, env),
            Expr::Global(g) | Expr::BuiltinSelect(g) => self.eval_global(*g),
            Expr::WithVar { .. } => self.eval_with_var(e, env),
            Expr::Let { .. } => self.eval_let(e, env),
            Expr::LetHere { .. } => self.eval_let_here(e, env),
            Expr::LetUse { slot, value } => self.eval_let_use(*slot, value, env),
            Expr::Attrs { .. } => self.eval_attrs_literal(e, env),
            Expr::List(items) => self.eval_list(items, env),
            Expr::Select { .. } => self.eval_select(e, env),
            Expr::HasAttr { expr, path } => self.eval_has_attr(expr, path, env),
            Expr::Apply { .. } => self.eval_apply(e, env),
            Expr::Lambda(l) => self.eval_lambda(l, env),
            Expr::If { .. } => self.eval_if(e, env),
            Expr::Assert { .. } => self.eval_assert(e, env),
            Expr::With { attrs, body, size } => self.eval_with(attrs, body, *size, env),
            Expr::Not(inner, pos) => self.eval_not(inner, *pos, env),
            Expr::Neg(inner, pos) => self.eval_neg(inner, *pos, env),
            Expr::BinOp { .. } => self.eval_binop(e, env),
            Expr::Add { .. } => self.eval_add(e, env),
            Expr::ConcatStrings { .. } => self.concat_strings(e, env),
            Expr::CurPos(pos) => self.eval_cur_pos(*pos),
            Expr::Thunked(inner) => self.eval_thunked(inner, env),
            Expr::RecOverrides { set, slots } => self.rec_overrides(set, slots, env),
        }
    }

    /// A lexical variable, forced in place: no clone of the slot's value
    /// before forcing (a thunk's result is cloned once, out of it).
    #[inline(never)]
    fn eval_var(&self, depth: u32, slot: u32, pos: Pos, env: &Env) -> Result<Value> {
        match env_at(env, depth).slots()[slot as usize].get() {
            // C++ Nix's tryFixupBlackHolePos: an infinite recursion is
            // at the variable whose value is the thunk being evaluated.
            Some(v) => self.force(v, Pos::NONE).map_err(|e| {
                if e.kind() == ErrorKind::InfiniteRecursion
                    && matches!(v, Value::Thunk(t) if t.is_blackhole())
                {
                    e.at(pos)
                } else {
                    e
                }
            }),
            None => Ok(Value::Null),
        }
    }

    #[inline(never)]
    fn eval_global(&self, g: u32) -> Result<Value> {
        self.force(&self.globals[g as usize], Pos::NONE)
    }

    #[inline(never)]
    fn eval_with_var(&self, e: &Expr, env: &Env) -> Result<Value> {
        let Expr::WithVar { name, pos, depths } = e else {
            unreachable!("eval dispatched another node")
        };
        let (name, pos) = (*name, *pos);
        let v = self.lookup_with(name, pos, depths, env)?;
        self.force_owned(v, pos)
    }

    #[inline(never)]
    fn eval_let(&self, e: &Expr, env: &Env) -> Result<Value> {
        let Expr::Let {
            bindings,
            body,
            size,
        } = e
        else {
            unreachable!("eval dispatched another node")
        };
        let env2 = Env::new(Some(env.clone()), *size as usize);
        for (i, b) in bindings.iter().enumerate() {
            if let Some(b) = b {
                let v = self.lazy(b, &env2);
                env2.set(i, v);
            }
        }
        self.eval(body, &env2)
    }

    #[inline(never)]
    fn eval_let_here(&self, e: &Expr, env: &Env) -> Result<Value> {
        let Expr::LetHere {
            base,
            bindings,
            body,
        } = e
        else {
            unreachable!("eval dispatched another node")
        };
        let base = *base;
        for (i, b) in bindings.iter().enumerate() {
            if let Some(b) = b {
                let v = self.lazy(b, env);
                env.set(base as usize + i, v);
            }
        }
        self.eval(body, env)
    }

    #[inline(never)]
    fn eval_let_use(&self, slot: u32, value: &ExprRef, env: &Env) -> Result<Value> {
        let slot = slot as usize;
        if let Some(v) = env.slots()[slot].get() {
            return self.force(v, Pos::NONE);
        }
        // As forcing the thunk would: on the native stack budget,
        // memoised only on success.
        let v = self.stack(|| self.eval(value, env))?;
        env.set(slot, v.clone());
        Ok(v)
    }

    #[inline(never)]
    fn eval_list(&self, items: &[ExprRef], env: &Env) -> Result<Value> {
        Ok(Value::list(
            items.iter().map(|i| self.lazy(i, env)).collect(),
        ))
    }

    #[inline(never)]
    fn eval_apply(&self, e: &Expr, env: &Env) -> Result<Value> {
        let Expr::Apply { func, args, pos } = e else {
            unreachable!("eval dispatched another node")
        };
        let pos = *pos;
        // `builtins.X a b` with all of X's arguments: the builtin is
        // called directly, without a copy of it or a call frame of
        // its own (forcing the arguments inside it is guarded).
        if let Expr::BuiltinSelect(g) | Expr::Global(g) = &**func
            && let Some(Value::PrimOp(p)) = self.globals.get(*g as usize)
            && p.arity == args.len()
        {
            return self.call_primop_direct(p, args, env, pos);
        }
        // A function in a variable, evaluated (`f x`, `map g l`): used
        // where it is, without an `eval` of the variable or a copy.
        let evaluated;
        let f = match evaluated_var(func, env) {
            Some(f) => f,
            None => {
                evaluated = self.eval(func, env)?;
                &evaluated
            }
        };
        // Up to three arguments on the stack: no Vec per call.
        match &**args {
            [a] => self.call_moving(f, &mut [self.lazy(a, env)], pos),
            [a, b] => self.call_moving(f, &mut [self.lazy(a, env), self.lazy(b, env)], pos),
            [a, b, c] => {
                let mut a = [self.lazy(a, env), self.lazy(b, env), self.lazy(c, env)];
                self.call_moving(f, &mut a, pos)
            }
            _ => {
                let mut a: Vec<Value> = args.iter().map(|a| self.lazy(a, env)).collect();
                self.call_moving(f, &mut a, pos)
            }
        }
    }

    #[inline(never)]
    fn eval_lambda(&self, l: &'static LambdaDef, env: &Env) -> Result<Value> {
        Ok(Value::Lambda(Rc::new(Closure {
            body: l.body,
            lambda: l,
            env: env.clone(),
        })))
    }

    #[inline(never)]
    fn eval_if(&self, e: &Expr, env: &Env) -> Result<Value> {
        let Expr::If {
            cond,
            then,
            else_,
            pos,
        } = e
        else {
            unreachable!("eval dispatched another node")
        };
        if self.eval_bool(cond, env, *pos, "while evaluating a branch condition")? {
            self.eval(then, env)
        } else {
            self.eval(else_, env)
        }
    }

    #[inline(never)]
    fn eval_assert(&self, e: &Expr, env: &Env) -> Result<Value> {
        let Expr::Assert {
            cond,
            body,
            pos,
            text,
        } = e
        else {
            unreachable!("eval dispatched another node")
        };
        let pos = *pos;
        if self.eval_bool(cond, env, pos, "in the condition of the assert statement")? {
            return self.eval(body, env);
        }
        self.assert_failed(cond, env, pos, text)
    }

    #[inline(never)]
    fn eval_with(&self, attrs: &ExprRef, body: &ExprRef, size: u32, env: &Env) -> Result<Value> {
        let env2 = Env::with_first(Some(env.clone()), self.lazy(attrs, env), size as usize);
        self.eval(body, &env2)
    }

    #[inline(never)]
    fn eval_not(&self, inner: &ExprRef, pos: Pos, env: &Env) -> Result<Value> {
        let b = self.eval_bool(inner, env, pos, "in the argument of the not operator")?;
        Ok(Value::bool(!b))
    }

    /// `-e`: C++ Nix's call of `__sub 0 e` at `-`, `e` evaluated inside
    /// the call.
    #[inline(never)]
    fn eval_neg(&self, inner: &ExprRef, pos: Pos, env: &Env) -> Result<Value> {
        self.counted(pos, || {
            let frame = |e: Error| e.with_trace(pos, "while calling the 'sub' builtin");
            let v = self.eval_arg(inner, env).map_err(frame)?;
            ops::arith(self, ops::Arith::Sub, &Value::Int(0), &v, Pos::NONE).map_err(frame)
        })
    }

    #[inline(never)]
    fn eval_add(&self, e: &Expr, env: &Env) -> Result<Value> {
        let Expr::Add {
            lhs,
            rhs,
            pos,
            lhs_pos,
            rhs_pos,
        } = e
        else {
            unreachable!("eval dispatched another node")
        };
        let (pos, lhs_pos, rhs_pos) = (*pos, *lhs_pos, *rhs_pos);
        let a = self.eval(lhs, env)?;
        if let Value::Int(x) = a {
            let b = self.eval(rhs, env)?;
            if let Value::Int(y) = b {
                if let Some(r) = x.checked_add(y) {
                    return Ok(Value::Int(r));
                }
            }
            return self.concat_values((lhs_pos, a), std::iter::once((rhs_pos, Ok(b))), pos, false);
        }
        // The right operand is evaluated only after the left one
        // was coerced, as C++ Nix's ExprConcatStrings does.
        let rest = std::iter::once_with(|| (rhs_pos, self.eval(rhs, env)));
        self.concat_values((lhs_pos, a), rest, pos, false)
    }

    #[inline(never)]
    fn eval_cur_pos(&self, pos: Pos) -> Result<Value> {
        Ok(self.pos_value(pos))
    }

    #[inline(never)]
    fn eval_thunked(&self, inner: &ExprRef, env: &Env) -> Result<Value> {
        self.eval(inner, env)
    }

    /// Evaluates `e` as an argument C++ Nix passes to a builtin it calls
    /// (the operands of `-`, `*`, `/`, `<`, ...): a variable's value is
    /// passed as it is (`maybeThunk`) and forced by the builtin, so an
    /// infinite recursion found there has no position (`ExprVar::eval`,
    /// which would add the variable's, does not run).
    #[inline]
    fn eval_arg(&self, e: &ExprRef, env: &Env) -> Result<Value> {
        if let Expr::Var { depth, slot, .. } = &**e
            && let Some(v) = env_at(env, *depth).slots()[*slot as usize].get()
        {
            return self.force(v, Pos::NONE);
        }
        self.eval(e, env)
    }

    /// A set literal: values delayed in `env`, dynamic names evaluated.
    #[inline(never)]
    fn eval_attrs_literal(&self, e: &Expr, env: &Env) -> Result<Value> {
        let Expr::Attrs {
            attrs,
            dynamic,
            pos,
        } = e
        else {
            unreachable!("eval dispatched another node")
        };
        let pos = *pos;
        // At its final size (a slice's map is collected exactly): the set
        // takes the vector as it is.
        let mut entries: Vec<Attr> = attrs
            .iter()
            .map(|a| Attr {
                name: a.name,
                pos: a.pos,
                value: self.lazy(&a.value, env),
            })
            .collect();
        if dynamic.is_empty() {
            // The compiler sorted them (`Expr::attrs`).
            return Ok(Value::attrs(Attrs::from_sorted(entries).at(pos)));
        }
        entries.reserve_exact(dynamic.len());
        for d in dynamic.iter() {
            let name = self.eval(&d.name, env)?;
            let name = match name {
                Value::Null => continue,
                other => self.string_no_ctx(&other, d.pos).map_err(|e| {
                    e.with_trace(d.pos, "while evaluating the name of a dynamic attribute")
                })?,
            };
            let sym = Symbol::new(name.as_bytes());
            if let Some(prev) = entries.iter().find(|a| a.name == sym) {
                return Err(Error::eval(format!(
                    "dynamic attribute '{}' already defined at {}",
                    crate::print::attr_ident_repr(sym.as_bytes()),
                    self.show_pos(prev.pos)
                ))
                .at(d.pos));
            }
            entries.push(Attr {
                name: sym,
                pos: d.pos,
                value: self.lazy(&d.value, env),
            });
        }
        entries.sort_unstable_by_key(|a| a.name);
        Ok(Value::attrs(Attrs::from_sorted(entries).at(pos)))
    }

    /// `e ? a.b.c`.
    #[inline(never)]
    fn eval_has_attr(&self, expr: &ExprRef, path: &[AttrName], env: &Env) -> Result<Value> {
        // Only the intermediate attributes are forced: `x ? a` must
        // not force `x.a` (`fix (x: { a = x ? a; })` terminates).
        // The sets are borrowed where they are, as in `select_path`.
        let evaluated;
        let mut v = match evaluated_var(expr, env) {
            Some(v) => v,
            None => {
                evaluated = self.eval(expr, env)?;
                &evaluated
            }
        };
        let last = path.len().saturating_sub(1);
        for (i, name) in path.iter().enumerate() {
            let sym = self.attr_name(name, env)?;
            let Value::Attrs(a) = v else {
                return Ok(Value::bool(false));
            };
            match a.get(sym) {
                Some(_) if i == last => return Ok(Value::bool(true)),
                Some(next) => v = self.force_in_place(next, Pos::NONE)?,
                None => return Ok(Value::bool(false)),
            }
        }
        Ok(Value::bool(true))
    }

    /// The error of an `assert` whose condition is false.
    #[cold]
    #[inline(never)]
    fn assert_failed(
        &self,
        cond: &ExprRef,
        env: &Env,
        pos: Pos,
        text: &NixString,
    ) -> Result<Value> {
        // C++ Nix explains a failed `a == b`: both sides are
        // evaluated again and compared by `assert_eq_values`.
        if let Expr::BinOp {
            op: BinOp::Eq,
            lhs,
            rhs,
            ..
        } = &**cond
        {
            let explained = self.eval(lhs, env).and_then(|v1| {
                let v2 = self.eval(rhs, env)?;
                self.assert_eq_values(&v1, &v2, Pos::NONE)
            });
            if let Err(e) = explained {
                if e.kind() != ErrorKind::Assert {
                    return Err(e);
                }
                return Err(e.with_trace(
                    pos,
                    format!(
                        "while evaluating the condition of the assertion '{}'",
                        text.to_str_lossy()
                    ),
                ));
            }
        }
        Err(Error::new(
            ErrorKind::Assert,
            format!("assertion '{}' failed", text.to_str_lossy()),
        )
        .at(pos))
    }

    #[inline(never)]
    fn rec_overrides(&self, set: &ExprRef, slots: &[(Symbol, u32)], env: &Env) -> Result<Value> {
        let v = self.eval(set, env)?;
        let Value::Attrs(attrs) = &v else {
            return Ok(v);
        };
        let Some(ov) = attrs.get(known::overrides()) else {
            return Ok(v);
        };
        let ov = self.expect_attrs(
            ov,
            Pos::NONE,
            "while evaluating the `__overrides` attribute",
        )?;
        let mut entries: Vec<Attr> = attrs.iter().cloned().collect();
        for o in ov.iter() {
            if let Some(&(_, slot)) = slots.iter().find(|(n, _)| *n == o.name) {
                // The slot holds a thunk (`Expr::Thunked`): redirect it to
                // the override, unless it is being evaluated right now.
                if let Value::Thunk(t) = &env.get(slot as usize)
                    && !t.is_blackhole()
                {
                    thread_local! {
                        /// The first slot of the frame: one node for every
                        /// redirect (nodes are never freed).
                        static FIRST_SLOT: ExprRef = ExprRef::new(Expr::Var {
                            depth: 0,
                            slot: 0,
                            pos: Pos::NONE,
                        });
                    }
                    let redirect = ThunkState::Pending(
                        FIRST_SLOT.with(|e| *e),
                        Env::with_values(None, [o.value.clone()]),
                    );
                    // SAFETY: the thunk belongs to the scope of the `rec`
                    // set just built, which nothing outside this evaluation
                    // has seen: no reference into its value is held.
                    unsafe { t.0.overwrite(redirect) };
                }
            }
            match entries.iter_mut().find(|a| a.name == o.name) {
                Some(a) => *a = o.clone(),
                None => entries.push(o.clone()),
            }
        }
        Ok(Value::attrs(Attrs::from_unsorted(entries)))
    }

    #[inline(never)]
    fn lookup_with(
        &self,
        name: Symbol,
        pos: Pos,
        depths: &[(u32, Pos)],
        env: &Env,
    ) -> Result<Value> {
        // `depths` go outwards: each scope's frame is reached from the
        // previous one, not from `env` again.
        let (mut wenv, mut at): (&Env, u32) = (env, 0);
        for &(d, with_pos) in depths {
            wenv = env_at(wenv, d.saturating_sub(at));
            at = d;
            // Invariant: a with frame's slot is set when it is built.
            let Some(slot) = wenv.slots()[0].get() else {
                continue;
            };
            // The scope is read in place (no copy of the set or of an
            // `Option` of the attribute, whose moves cost more than the
            // lookup in tight loops); only an unevaluated scope is forced.
            let forced;
            let scope = match slot {
                Value::Thunk(t) => {
                    if let Some(Value::Attrs(a)) = t.0.done() {
                        if let Some(v) = a.get_inline(name) {
                            return Ok(v.clone());
                        }
                        continue;
                    }
                    forced = self.force_thunk(t, with_pos)?;
                    &forced
                }
                v => v,
            };
            match scope {
                Value::Attrs(attrs) => {
                    if let Some(v) = attrs.get_inline(name) {
                        return Ok(v.clone());
                    }
                }
                other => {
                    return Err(self.type_error("a set", other).with_trace(
                        with_pos,
                        "while evaluating the first subexpression of a with expression",
                    ));
                }
            }
        }
        Err(Error::eval(format!("undefined variable '{name}'")).at(pos))
    }

    /// The name of an attribute path part: a static one inline, a dynamic
    /// one evaluated out of line.
    #[inline]
    fn attr_name(&self, name: &AttrName, env: &Env) -> Result<Symbol> {
        match name {
            AttrName::Static(s) => Ok(*s),
            AttrName::Dynamic(e, pos, _) => self.dynamic_attr_name(e, *pos, env),
        }
    }

    /// C++ Nix's getName for `${e}`: forceStringNoCtx at the name's
    /// position.
    #[inline(never)]
    fn dynamic_attr_name(&self, e: &ExprRef, pos: Pos, env: &Env) -> Result<Symbol> {
        let v = self.eval(e, env)?;
        let s = self.string_no_ctx(&v, pos).map_err(|e| {
            e.at(pos)
                .with_trace(pos, "while evaluating an attribute name")
        })?;
        Ok(Symbol::new(s.as_bytes()))
    }

    #[inline(never)]
    fn eval_select(&self, e: &Expr, env: &Env) -> Result<Value> {
        let Expr::Select {
            expr,
            path,
            default,
            pos,
        } = e
        else {
            unreachable!("eval dispatched another node")
        };
        // A variable holding an evaluated value (`lib.foo`, `config.x`) is
        // read in place: the set is neither copied out of its slot nor
        // dropped after the lookup, and no `eval` of the variable runs.
        let evaluated;
        let base = match evaluated_var(expr, env) {
            Some(v) => v,
            None => {
                evaluated = self.eval(expr, env)?;
                &evaluated
            }
        };
        self.select_path(base, path, default.as_ref(), *pos, env)
    }

    /// The attribute `path` of `base`, or `default` (evaluated) where a
    /// step is missing or not a set.
    #[inline]
    fn select_path(
        &self,
        base: &Value,
        path: &[AttrName],
        default: Option<&ExprRef>,
        pos: Pos,
        env: &Env,
    ) -> Result<Value> {
        let mut attr_pos = Pos::NONE;
        let r = (|| {
            // `cur` is the set the next step looks in: `base`, then each
            // step's value, borrowed where it is (in its set, or in the
            // thunk that set holds, which keeps it once forced). Only the
            // last step's value is copied out.
            let mut cur = base;
            let last = path.len().saturating_sub(1);
            for (i, name) in path.iter().enumerate() {
                let sym = self.attr_name(name, env)?;
                // The attribute's value is forced where it is, in the set
                // `cur` holds: no reference-count round trip on its thunk.
                let next = match cur {
                    Value::Attrs(a) => match a.get_attr(sym) {
                        Some(at) => {
                            attr_pos = at.pos;
                            let p = if at.pos.is_some() { at.pos } else { pos };
                            if i == last {
                                return self.force(&at.value, p);
                            }
                            Some(self.force_in_place(&at.value, p)?)
                        }
                        None => None,
                    },
                    other => {
                        if let Some(d) = default {
                            return self.eval(d, env);
                        }
                        return Err(self
                            .type_error("a set", other)
                            .with_trace(pos, "while selecting an attribute"));
                    }
                };
                match next {
                    Some(value) => cur = value,
                    None => {
                        if let Some(d) = default {
                            return self.eval(d, env);
                        }
                        let Value::Attrs(a) = cur else {
                            return unreachable_attrs().map(|()| Value::Null);
                        };
                        let s = crate::print::suggestions(
                            a.iter().map(|x| x.name.as_bytes()),
                            sym.as_bytes(),
                        );
                        return Err(Error::eval(format!("attribute '{}' missing", sym.quoted()))
                            .at(pos)
                            .with_suggestion(s));
                    }
                }
            }
            // Only an empty path (which the parser never gives) gets here.
            Ok(cur.clone())
        })();
        r.map_err(|e| {
            // C++ Nix's ExprSelect leaves the frame out for attributes of
            // its derivation.nix (`strict.drvPath`).
            if attr_pos.is_some()
                && self.settings.show_trace_select()
                && !self.in_derivation_internal(attr_pos)
            {
                e.with_trace(
                    attr_pos,
                    format!("while evaluating the attribute '{}'", show_attr_path(path)),
                )
            } else {
                e
            }
        })
    }

    /// C++ Nix's `evalBool`: the type error is at `pos`, and every error
    /// raised while evaluating `e` (not only the type error) gets the
    /// `ctx` frame, added on the error path only.
    ///
    /// Inline, with the errors out of line: a condition costs its
    /// evaluation and one test.
    #[inline]
    fn eval_bool(&self, e: &ExprRef, env: &Env, pos: Pos, ctx: impl TraceMessage) -> Result<bool> {
        match self.eval(e, env) {
            Ok(Value::Bool(crate::AlignedBool(b))) => Ok(b),
            r => Err(self.not_bool(r, pos, ctx)),
        }
    }

    /// The error of [`Self::eval_bool`] for `r`, an error or another value.
    #[cold]
    #[inline(never)]
    fn not_bool(&self, r: Result<Value>, pos: Pos, ctx: impl TraceMessage) -> Error {
        match r {
            Ok(other) => self
                .type_error("a Boolean", &other)
                .at(pos)
                .with_trace(pos, ctx.into_message()),
            Err(err) => err.with_trace(pos, ctx.into_message()),
        }
    }

    /// C++ Nix's `evalAttrs`: like [`Self::eval_bool`] for a set, except
    /// that the type error has no position of its own.
    fn eval_attrs(&self, e: &ExprRef, env: &Env, pos: Pos, ctx: &'static str) -> Result<Rc<Attrs>> {
        match self.eval(e, env) {
            Ok(v) => v
                .into_attrs()
                .map_err(|other| self.type_error("a set", &other).with_trace(pos, ctx)),
            Err(err) => Err(err.with_trace(pos, ctx)),
        }
    }

    #[inline(never)]
    fn eval_binop(&self, e: &Expr, env: &Env) -> Result<Value> {
        let Expr::BinOp { op, lhs, rhs, pos } = e else {
            unreachable!("eval dispatched another node")
        };
        let (op, pos) = (*op, *pos);
        match op {
            BinOp::And => {
                if !self.eval_bool(
                    lhs,
                    env,
                    pos,
                    "in the left operand of the AND (&&) operator",
                )? {
                    return Ok(Value::bool(false));
                }
                Ok(Value::bool(self.eval_bool(
                    rhs,
                    env,
                    pos,
                    "in the right operand of the AND (&&) operator",
                )?))
            }
            BinOp::Or => {
                if self.eval_bool(lhs, env, pos, "in the left operand of the OR (||) operator")? {
                    return Ok(Value::bool(true));
                }
                Ok(Value::bool(self.eval_bool(
                    rhs,
                    env,
                    pos,
                    "in the right operand of the OR (||) operator",
                )?))
            }
            BinOp::Impl => {
                if !self.eval_bool(
                    lhs,
                    env,
                    pos,
                    "in the left operand of the IMPL (->) operator",
                )? {
                    return Ok(Value::bool(true));
                }
                Ok(Value::bool(self.eval_bool(
                    rhs,
                    env,
                    pos,
                    "in the right operand of the IMPL (->) operator",
                )?))
            }
            BinOp::Eq | BinOp::NEq => {
                let a = self.eval(lhs, env)?;
                let b = self.eval(rhs, env)?;
                let eq = self.eq_values(&a, &b, pos)?;
                Ok(Value::bool(eq == (op == BinOp::Eq)))
            }
            BinOp::Update => {
                // C++ Nix's evalAttrs: each operand is evaluated and checked
                // in turn, and any error in it gets the operand's frame.
                let a = self.eval_attrs(
                    lhs,
                    env,
                    pos,
                    "in the left operand of the update (//) operator",
                )?;
                let b = self.eval_attrs(
                    rhs,
                    env,
                    pos,
                    "in the right operand of the update (//) operator",
                )?;
                if a.is_empty() {
                    return Ok(Value::Attrs(b));
                }
                if b.is_empty() {
                    return Ok(Value::Attrs(a));
                }
                Ok(Value::attrs(Attrs::update(&a, &b)))
            }
            BinOp::Concat => {
                let a = self.eval(lhs, env)?;
                let b = self.eval(rhs, env)?;
                // C++ Nix's ExprOpConcatLists uses one context for both.
                let ctx = "while evaluating one of the elements to concatenate";
                let a = self.take_list(a, pos, ctx)?;
                let b = self.take_list(b, pos, ctx)?;
                if a.is_empty() {
                    return Ok(Value::List(b));
                }
                if b.is_empty() {
                    return Ok(Value::List(a));
                }
                // An operand nobody else holds gives up its elements (the
                // left one its vector too).
                let (a_len, b_len) = (a.len(), b.len());
                let mut v = if Rc::strong_count(&a) == 1 {
                    Vec::new()
                } else {
                    Vec::with_capacity(a_len + b_len)
                };
                crate::value::List::append_to(a, &mut v);
                v.reserve_exact(b_len);
                crate::value::List::append_to(b, &mut v);
                Ok(Value::list(v))
            }
            BinOp::Sub | BinOp::Mul | BinOp::Div => self.counted(pos, || {
                let (k, name) = match op {
                    BinOp::Sub => (ops::Arith::Sub, "sub"),
                    BinOp::Mul => (ops::Arith::Mul, "mul"),
                    _ => (ops::Arith::Div, "div"),
                };
                // C++ Nix calls the builtin with the operands unevaluated:
                // errors in them are inside the call too.
                let frame =
                    |e: Error| e.with_trace(pos, format!("while calling the '{name}' builtin"));
                let a = self.eval_arg(lhs, env).map_err(frame)?;
                let b = self.eval_arg(rhs, env).map_err(frame)?;
                if let (Value::Int(x), Value::Int(y)) = (&a, &b) {
                    // Overflow and division by zero fall through to
                    // `arith`, which renders C++ Nix's errors.
                    let r = match op {
                        BinOp::Sub => x.checked_sub(*y),
                        BinOp::Mul => x.checked_mul(*y),
                        _ if *y == 0 => None,
                        _ => x.checked_div(*y),
                    };
                    if let Some(r) = r {
                        return Ok(Value::Int(r));
                    }
                }
                // No position inside the builtin, as in `call_primop`.
                ops::arith(self, k, &a, &b, Pos::NONE).map_err(frame)
            }),
            BinOp::Lt | BinOp::Gt | BinOp::Le | BinOp::Ge => self.counted(pos, || {
                // C++ Nix: `a < b` is `__lessThan a b`, `a > b` is
                // `__lessThan b a`, `a <= b` is `!(__lessThan b a)` and
                // `a >= b` is `!(__lessThan a b)`; the builtin forces its
                // arguments in order, and `!` adds its own frame.
                let negated = matches!(op, BinOp::Le | BinOp::Ge);
                let frame = |e: Error| {
                    let e = e.with_trace(pos, "while calling the 'lessThan' builtin");
                    if negated {
                        e.with_trace(pos, "in the argument of the not operator")
                    } else {
                        e
                    }
                };
                let (first, second) = match op {
                    BinOp::Gt | BinOp::Le => (rhs, lhs),
                    _ => (lhs, rhs),
                };
                let a = self.eval_arg(first, env).map_err(frame)?;
                let b = self.eval_arg(second, env).map_err(frame)?;
                let less = match (&a, &b) {
                    (Value::Int(x), Value::Int(y)) => x < y,
                    // No position inside the builtin, as in `call_primop`.
                    _ => self.less_than(&a, &b, Pos::NONE).map_err(frame)?,
                };
                Ok(Value::bool(less != negated))
            }),
        }
    }

    // ---------------------------------------------------------------- calls

    /// Calls a function value with arguments (unforced).
    ///
    /// The arguments are copied for the call; `call_moving` takes
    /// them instead.
    #[inline]
    pub fn call(&self, f: &Value, args: &[Value], pos: Pos) -> Result<Value> {
        match args {
            [a] => self.call_moving(f, &mut [a.clone()], pos),
            [a, b] => self.call_moving(f, &mut [a.clone(), b.clone()], pos),
            _ => self.call_moving(f, &mut args.to_vec(), pos),
        }
    }

    /// Calls a function value with arguments (unforced), moving each
    /// argument a lambda binds into its frame (the slot is left `null`):
    /// no reference-count round trip per argument.
    ///
    /// The function is borrowed: a closure applied here is read where it
    /// is, without a reference-count round trip per call.
    ///
    /// The one native function of a call: the stack check, the depth count
    /// ([`Self::call_counted`]) and the application loop
    /// ([`Self::call_inner`]) are inlined into it, rather than each being a
    /// level of native calls with its own saved registers. Only a call
    /// near the end of a stack segment goes through a closure, on a grown
    /// stack.
    #[inline(never)]
    pub(crate) fn call_moving(&self, f: &Value, args: &mut [Value], pos: Pos) -> Result<Value> {
        if !self.stack_left() {
            return self.stack_slow(|| self.call_counted(f, args, pos));
        }
        self.call_counted(f, args, pos)
    }

    /// A call counted towards `max-call-depth` (C++ Nix's
    /// `addCallDepth`), after a check for an interruption.
    #[inline(always)]
    fn call_counted(&self, f: &Value, args: &mut [Value], pos: Pos) -> Result<Value> {
        if self.interrupt.load(Ordering::Relaxed) {
            return Err(interrupted(pos));
        }
        let d = self.depth.get();
        if d > self.settings.max_call_depth {
            return Err(call_depth_exceeded(pos));
        }
        self.depth.set(d + 1);
        let r = self.call_inner(f, args, pos);
        self.depth.set(d);
        r
    }

    #[inline(always)]
    fn call_inner(&self, f: &Value, mut args: &mut [Value], pos: Pos) -> Result<Value> {
        // The callee in force, borrowed (`f` itself, or its thunk's value);
        // after the first application it is `held`, the result so far.
        let forced;
        let mut cur = match whnf(f) {
            Some(v) => v,
            None => {
                forced = self.force(f, pos)?;
                &forced
            }
        };
        let mut held;
        loop {
            // Lambdas, the common case, are applied here; the other kinds
            // of callee and the error paths are out of line, so that this
            // loop stays small.
            let r = if let Value::Lambda(c) = cur {
                let Some((first, rest)) = std::mem::take(&mut args).split_first_mut() else {
                    // No arguments (never from the evaluator's own calls).
                    return Ok(cur.clone());
                };
                let mut lambda = &c.lambda;
                let mut body = c.body;
                let mut env =
                    self.bind_args(lambda, &c.env, std::mem::replace(first, Value::Null), pos)?;
                args = rest;
                // A curried function (`a: b: ...`) given more arguments: its
                // body is a lambda, which is applied right away without
                // building its closure first.
                while let Expr::Lambda(inner) = body.node() {
                    let Some((next, rest)) = std::mem::take(&mut args).split_first_mut() else {
                        break;
                    };
                    env = self.bind_args(inner, &env, std::mem::replace(next, Value::Null), pos)?;
                    lambda = inner;
                    body = inner.body;
                    args = rest;
                }
                match self.eval(&body, &env) {
                    Ok(v) => v,
                    Err(e) if self.settings.show_trace => {
                        return Err(Self::call_trace(e, lambda, pos));
                    }
                    Err(e) => return Err(e),
                }
            } else {
                if args.is_empty() {
                    return Ok(cur.clone());
                }
                let (r, used) = self.call_non_lambda(cur, args, pos)?;
                args = std::mem::take(&mut args)
                    .get_mut(used..)
                    .unwrap_or_default();
                r
            };
            if args.is_empty() {
                return Ok(r);
            }
            held = r;
            cur = &held;
        }
    }

    /// The frames `--show-trace` adds to an error in a call of `lambda`.
    #[cold]
    #[inline(never)]
    fn call_trace(e: Error, lambda: &LambdaDef, pos: Pos) -> Error {
        let name = match lambda.name {
            Some(n) => format!("'{n}'"),
            None => "anonymous lambda".to_owned(),
        };
        let e = e.with_trace(lambda.pos, format!("while calling {name}"));
        if pos.is_some() {
            e.with_trace(pos, "from call site")
        } else {
            e
        }
    }

    /// One step of [`Self::call_inner`] for a callee that is not a lambda:
    /// the result, and how many of `args` it took.
    #[inline(never)]
    fn call_non_lambda(&self, cur: &Value, args: &[Value], pos: Pos) -> Result<(Value, usize)> {
        Ok(match cur {
            Value::PrimOp(p) => {
                if args.len() >= p.arity {
                    (self.call_primop(p, &args[..p.arity], pos)?, p.arity)
                } else {
                    let app = Value::PrimOpApp(Rc::new(PrimOpApp {
                        primop: p.clone(),
                        args: args.into(),
                    }));
                    (app, args.len())
                }
            }
            Value::PrimOpApp(app) => {
                let have = app.args.len();
                let need = app.primop.arity - have;
                let mut all = Vec::with_capacity(have + need.min(args.len()));
                all.extend_from_slice(&app.args);
                if args.len() >= need {
                    all.extend_from_slice(&args[..need]);
                    (self.call_primop(&app.primop, &all, pos)?, need)
                } else {
                    all.extend_from_slice(args);
                    let app = Value::PrimOpApp(Rc::new(PrimOpApp {
                        primop: app.primop.clone(),
                        args: all.into_boxed_slice(),
                    }));
                    (app, args.len())
                }
            }
            Value::Attrs(a) if a.get(known::functor()).is_some() => {
                let functor = a.get_attr(known::functor()).cloned();
                let functor = functor
                    .map(|f| (f.value, f.pos))
                    .unwrap_or((Value::Null, Pos::NONE));
                let arg = args.first().cloned().unwrap_or(Value::Null);
                let r = self
                    .call_moving(&functor.0, &mut [Value::Attrs(a.clone()), arg], functor.1)
                    .map_err(|e| {
                        e.with_trace(
                            pos,
                            "while calling a functor (an attribute set with a '__functor' attribute)",
                        )
                    })?;
                (self.force(&r, pos)?, args.len().min(1))
            }
            other => {
                return Err(Error::type_error(format!(
                    "attempt to call something which is not a function but {}: {}",
                    other.show_type(),
                    crate::print::error_repr(other)
                ))
                .at(pos));
            }
        })
    }

    /// A direct call of a builtin with all its arguments. Those it declares
    /// it forces first ([`crate::ArgType`]) are evaluated here, in that
    /// order, instead of being passed as thunks, up to the first one that
    /// fails (passed as a thunk holding the error, which the builtin then
    /// meets where it would have) or has another type (the builtin checks
    /// it); the others are passed as usual.
    #[inline(never)]
    fn call_primop_direct(
        &self,
        p: &PrimOp,
        args: &[ExprRef],
        env: &Env,
        pos: Pos,
    ) -> Result<Value> {
        // Builtins take at most three arguments.
        let mut vals: [Option<Value>; 3] = [None, None, None];
        for &(i, t) in p.forces {
            let (Some(a), Some(slot)) = (args.get(i), vals.get_mut(i)) else {
                break;
            };
            // A variable or constant is passed as it is, forced: the
            // builtin would see that value (and print a list in it with
            // that identity, see `print::Cell`). Anything else would have
            // been a fresh thunk: its value is passed instead.
            let shared = matches!(&**a, Expr::Var { .. } | Expr::Const(_) | Expr::Global(_));
            let r = if shared {
                let v = self.lazy(a, env);
                match whnf(&v) {
                    Some(forced) => Ok((t.accepts(forced), v)),
                    // As the builtin forces it: at no position.
                    None => self
                        .force(&v, Pos::NONE)
                        .map(|forced| (t.accepts(&forced), v)),
                }
            } else {
                self.stack(|| self.eval(a, env)).map(|v| (t.accepts(&v), v))
            };
            match r {
                Ok((go_on, v)) => {
                    *slot = Some(v);
                    if !go_on {
                        break;
                    }
                }
                Err(e) => {
                    *slot = Some(Value::Thunk(Thunk::failed(e)));
                    break;
                }
            }
        }
        let mut val = |i: usize| match vals[i].take() {
            Some(v) => v,
            None => self.lazy(&args[i], env),
        };
        match args.len() {
            1 => self.call_primop(p, &[val(0)], pos),
            2 => self.call_primop(p, &[val(0), val(1)], pos),
            3 => self.call_primop(p, &[val(0), val(1), val(2)], pos),
            _ => {
                let a: Vec<Value> = args.iter().map(|a| self.lazy(a, env)).collect();
                self.call_primop(p, &a, pos)
            }
        }
    }

    fn call_primop(&self, p: &PrimOp, args: &[Value], pos: Pos) -> Result<Value> {
        // C++ Nix's callFunction passes a primop the position of the primop
        // value itself, which has none: its errors and "while evaluating the
        // argument" frames carry no position. The call site is only in the
        // "while calling" frame. C++ `addTrace = false`: addErrorContext adds
        // only its own message.
        (p.func)(self, Pos::NONE, args).map_err(|e| match p.name {
            "addErrorContext" => e,
            name => e.with_trace(pos, format!("while calling the '{name}' builtin")),
        })
    }

    /// The environment of a call of `l` (closed over `parent`) with `arg`.
    #[inline]
    fn bind_args(&self, l: &LambdaDef, parent: &Env, arg: Value, pos: Pos) -> Result<Env> {
        let Some((formals, ellipsis)) = &l.formals else {
            return Ok(Env::with_first(Some(parent.clone()), arg, l.env_size));
        };
        self.bind_formals(l, formals, *ellipsis, parent, arg, pos)
    }

    /// [`Self::bind_args`] for a lambda with a set pattern.
    #[inline(never)]
    fn bind_formals(
        &self,
        l: &LambdaDef,
        formals: &[crate::ir::Formal],
        ellipsis: bool,
        parent: &Env,
        arg: Value,
        pos: Pos,
    ) -> Result<Env> {
        // C++ callFunction: an error forcing the argument gets the call
        // site's frame too.
        // The set is read where it is, in the argument or its thunk.
        let forced = self.force_in_place(&arg, pos).map_err(|e| {
            if pos.is_some() {
                e.with_trace(pos, "from call site")
            } else {
                e
            }
        })?;
        let attrs = match forced {
            Value::Attrs(a) => a,
            other => {
                let mut e = self.type_error("a set", other).with_trace(
                    l.pos,
                    "while evaluating the value passed for the lambda argument",
                );
                if pos.is_some() {
                    e = e.with_trace(pos, "from call site");
                }
                return Err(e);
            }
        };
        let env = Env::new(Some(parent.clone()), l.env_size);
        // The `@` name's slot is first, set before the defaults are
        // delayed: one that names it takes its value, not a thunk of the
        // variable (C++ Nix's `maybeThunk`).
        let mut slot = 0;
        if l.arg.is_some() {
            env.set(0, arg.clone());
            slot = 1;
        }
        let mut used = 0;
        let fname = || match l.name {
            Some(n) => n.to_string(),
            None => "anonymous lambda".to_owned(),
        };
        for f in formals {
            match attrs.get(f.name) {
                Some(v) => {
                    used += 1;
                    env.set(slot, v.clone());
                }
                None => match &f.default {
                    Some(d) => {
                        let v = self.lazy(d, &env);
                        env.set(slot, v);
                    }
                    None => {
                        return Err(Error::type_error(format!(
                            "function '{}' called without required argument '{}'",
                            fname(),
                            f.name
                        ))
                        .at(l.pos)
                        .with_trace(pos, "from call site"));
                    }
                },
            }
            slot += 1;
        }
        if !ellipsis && used != attrs.len() {
            // The first in symbol order, as C++ Nix iterates its bindings.
            if let Some(a) = attrs
                .iter()
                .find(|a| !formals.iter().any(|f| f.name == a.name))
            {
                let s = crate::print::suggestions(
                    formals.iter().map(|f| f.name.as_bytes()),
                    a.name.as_bytes(),
                );
                return Err(Error::type_error(format!(
                    "function '{}' called with unexpected argument '{}'",
                    fname(),
                    a.name.quoted()
                ))
                .at(l.pos)
                .with_trace(pos, "from call site")
                .with_suggestion(s));
            }
        }
        Ok(env)
    }

    // ------------------------------------------------------------- helpers

    /// `expected a set but found …` style type error. `found` may be the
    /// evaluated thunk the value came in: C++ Nix prints the value's cell
    /// (which tells lists apart for `«repeated»`, see `print::Cell`).
    pub fn type_error(&self, expected: &str, found: &Value) -> Error {
        let forced = match found {
            Value::Thunk(t) => t.value(),
            _ => None,
        };
        Error::type_error(format!(
            "expected {expected} but found {}: {}",
            forced.as_ref().unwrap_or(found).show_type(),
            crate::print::error_repr(found)
        ))
    }

    /// Forces `v` and requires a set.
    pub fn expect_attrs(&self, v: &Value, pos: Pos, ctx: impl TraceMessage) -> Result<Rc<Attrs>> {
        self.attrs_in_place(v, pos, ctx).cloned()
    }

    /// [`Self::expect_attrs`], with the set borrowed where it is (in `v`,
    /// or the thunk `v` holds): no reference-count round trip.
    pub(crate) fn attrs_in_place<'a>(
        &self,
        v: &'a Value,
        pos: Pos,
        ctx: impl TraceMessage,
    ) -> Result<&'a Rc<Attrs>> {
        match self.force_in_place(v, pos)? {
            Value::Attrs(a) => Ok(a),
            _ => Err(self
                .type_error("a set", v)
                .with_trace(pos, ctx.into_message())),
        }
    }

    /// [`Self::expect_list`], with the list borrowed where it is.
    pub(crate) fn list_in_place<'a>(
        &self,
        v: &'a Value,
        pos: Pos,
        ctx: impl TraceMessage,
    ) -> Result<&'a crate::NixList> {
        match self.force_in_place(v, pos)? {
            Value::List(l) => Ok(l),
            _ => Err(self
                .type_error("a list", v)
                .with_trace(pos, ctx.into_message())),
        }
    }

    /// Forces `v` and requires a list.
    pub fn expect_list(
        &self,
        v: &Value,
        pos: Pos,
        ctx: impl TraceMessage,
    ) -> Result<crate::NixList> {
        self.list_in_place(v, pos, ctx).cloned()
    }

    /// As [`Self::expect_list`], but takes `v`: a list is returned without
    /// a new reference, so that it stays unshared if `v` was its only one.
    pub(crate) fn take_list(
        &self,
        v: Value,
        pos: Pos,
        ctx: impl TraceMessage,
    ) -> Result<crate::NixList> {
        v.into_list().or_else(|v| self.expect_list(&v, pos, ctx))
    }

    /// Forces `v` and requires a string (keeping its context). As C++
    /// `forceString`, an error forcing `v` gets the frame too.
    pub fn expect_string(&self, v: &Value, pos: Pos, ctx: impl TraceMessage) -> Result<NixString> {
        let forced = match self.force(v, pos) {
            Ok(v) => v,
            Err(e) => return Err(e.with_trace(pos, ctx.into_message())),
        };
        match forced.into_string() {
            Ok(s) => Ok(s),
            // C++ `force*` positions the type error itself too.
            Err(_) => Err(self
                .type_error("a string", v)
                .at(pos)
                .with_trace(pos, ctx.into_message())),
        }
    }

    /// Forces `v` and requires a string without context.
    pub fn string_no_ctx(&self, v: &Value, pos: Pos) -> Result<NixString> {
        match self.force(v, pos)?.into_string() {
            Ok(s) => {
                if let Some(first) = s.context().elems().first() {
                    return Err(Error::eval(format!(
                        "the string '{}' is not allowed to refer to a store path (such as '{}')",
                        s.to_str_lossy(),
                        String::from_utf8_lossy(&context_elem_without_store_dir(first.encoded()))
                    )));
                }
                Ok(s)
            }
            _ => Err(self.type_error("a string", v).at(pos)),
        }
    }

    /// C++ `forceStringNoCtx` with its error context: [`Self::string_no_ctx`]
    /// whose errors (forcing `v` included) get the "while …" frame.
    pub fn expect_string_no_ctx(
        &self,
        v: &Value,
        pos: Pos,
        ctx: impl TraceMessage,
    ) -> Result<NixString> {
        self.string_no_ctx(v, pos)
            .map_err(|e| e.with_trace(pos, ctx.into_message()))
    }

    /// Forces `v` and requires an integer (an error forcing `v` gets the
    /// frame too, as in C++ `forceInt`).
    pub fn expect_int(&self, v: &Value, pos: Pos, ctx: impl TraceMessage) -> Result<i64> {
        // Already an integer: read in place, no clone to drop.
        if let Some(Value::Int(i)) = whnf(v) {
            return Ok(*i);
        }
        let forced = match self.force(v, pos) {
            Ok(v) => v,
            Err(e) => return Err(e.with_trace(pos, ctx.into_message())),
        };
        match forced {
            Value::Int(i) => Ok(i),
            // C++ `force*` positions the type error itself too.
            _ => Err(self
                .type_error("an integer", v)
                .at(pos)
                .with_trace(pos, ctx.into_message())),
        }
    }

    /// Forces `v` and requires a Boolean (an error forcing `v` gets the
    /// frame too, as in C++ `forceBool`).
    pub fn expect_bool(&self, v: &Value, pos: Pos, ctx: impl TraceMessage) -> Result<bool> {
        if let Some(Value::Bool(crate::AlignedBool(b))) = whnf(v) {
            return Ok(*b);
        }
        let forced = match self.force(v, pos) {
            Ok(v) => v,
            Err(e) => return Err(e.with_trace(pos, ctx.into_message())),
        };
        match forced {
            Value::Bool(crate::AlignedBool(b)) => Ok(b),
            // C++ `force*` positions the type error itself too.
            _ => Err(self
                .type_error("a Boolean", v)
                .at(pos)
                .with_trace(pos, ctx.into_message())),
        }
    }

    /// Forces `v` and requires a function (or functor set); an error
    /// forcing `v` gets the frame too, as in C++ `forceFunction`.
    pub fn expect_function(&self, v: &Value, pos: Pos, ctx: impl TraceMessage) -> Result<Value> {
        self.function_in_place(v, pos, ctx).cloned()
    }

    /// [`Self::expect_function`], with the function borrowed where it is.
    pub(crate) fn function_in_place<'a>(
        &self,
        v: &'a Value,
        pos: Pos,
        ctx: impl TraceMessage,
    ) -> Result<&'a Value> {
        let f = match self.force_in_place(v, pos) {
            Ok(v) => v,
            Err(e) => return Err(e.with_trace(pos, ctx.into_message())),
        };
        match f {
            f if f.is_function() => Ok(f),
            Value::Attrs(a) if a.get(known::functor()).is_some() => Ok(f),
            other => Err(self
                .type_error("a function", other)
                .at(pos)
                .with_trace(pos, ctx.into_message())),
        }
    }

    /// True if the evaluation is pure (`--pure-eval`).
    #[must_use]
    pub fn is_pure(&self) -> bool {
        self.settings.pure
    }

    /// Parses and evaluates Nix source shipped with an embedder (a helper
    /// its builtins call), in the global scope; `file` names it in errors.
    pub fn eval_internal(&self, file: &'static str, source: &'static str) -> Result<Value> {
        let expr = self.parse(
            crate::Origin::Internal(file),
            source.as_bytes().to_vec(),
            b"/",
        )?;
        self.eval(&expr, &Env::new(None, 0))
    }

    /// True if `pos` is in `<nix/derivation-internal.nix>`.
    fn in_derivation_internal(&self, pos: Pos) -> bool {
        self.sources
            .locate(pos)
            .is_some_and(|l| l.file.origin == crate::Origin::Internal("derivation-internal.nix"))
    }

    /// "file:line:column" of a position, as C++ Nix shows it in messages.
    pub fn show_pos(&self, pos: Pos) -> String {
        match self.sources.locate(pos) {
            Some(l) => format!("{}:{}:{}", l.file.origin, l.line, l.column),
            None => "«none»:0".to_owned(),
        }
    }

    /// `{ file, line, column }` for `__curPos` and `unsafeGetAttrPos`; as
    /// C++ `mkPos`, `null` for a position outside any file (an expression
    /// given with `-E` or on standard input), and `/NAME` for a built-in
    /// file (C++ Nix's internal file system).
    pub(crate) fn pos_value(&self, pos: Pos) -> Value {
        let Some(l) = self.sources.locate(pos) else {
            return Value::Null;
        };
        let Some(file) = l.file.origin.cpp_path() else {
            return Value::Null;
        };
        let file = Value::String(NixString::new(file));
        Value::attrs(Attrs::from_unsorted(vec![
            Attr {
                name: known::file(),
                pos: Pos::NONE,
                value: file,
            },
            Attr {
                name: known::line(),
                pos: Pos::NONE,
                value: Value::Int(l.line as i64),
            },
            Attr {
                name: known::column(),
                pos: Pos::NONE,
                value: Value::Int(l.column as i64),
            },
        ]))
    }

    /// Emits a warning (`builtins.warn`).
    pub fn warn(&self, msg: &str) -> Result<()> {
        self.observer.warn(msg);
        if self.settings.abort_on_warn {
            return Err(Error::eval(
                "aborting to reveal stack trace of warning, as abort-on-warn is set",
            ));
        }
        Ok(())
    }

    /// Reports a warning of Nix itself (C++ `warn`, printed after
    /// `warning: `), as opposed to [`Self::warn`]'s evaluation warnings;
    /// `abort-on-warn` does not apply to it, as in C++ Nix.
    pub fn log_warning(&self, msg: &str) {
        self.observer.log_warning(msg);
    }

    /// The directory imports and path literals of `file` resolve against.
    pub(crate) fn home(&self) -> Option<&[u8]> {
        self.home.as_deref()
    }
}

/// A thunk that forcing left without a value (never: a successful force
/// records the value).
#[cold]
fn forced_thunk_empty() -> Error {
    Error::eval("internal error: a forced thunk holds no value")
}

fn unreachable_attrs() -> Result<()> {
    Err(Error::eval("internal error: select on a non-set"))
}

fn show_attr_path(path: &[AttrName]) -> String {
    path.iter()
        .map(|n| match n {
            AttrName::Static(s) => crate::print::attr_name_repr(s.as_bytes()),
            AttrName::Dynamic(_, _, Some(var)) => format!("\"${{{var}}}\""),
            AttrName::Dynamic(..) => "\"${...}\"".to_owned(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

impl Settings {
    fn show_trace_select(&self) -> bool {
        true
    }
}

/// A path as a `PathBuf` (Unix: bytes are the OS encoding).
pub(crate) fn bytes_to_path(b: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(b))
}

/// A context element as C++ Nix's `NixStringContextElem::to_string` shows
/// it: the `=` or `!output!` prefix kept, the store path without its store
/// directory.
fn context_elem_without_store_dir(encoded: &[u8]) -> Vec<u8> {
    let Some(start) = encoded.iter().position(|&b| b == b'/') else {
        return encoded.to_vec();
    };
    let base = encoded
        .iter()
        .rposition(|&b| b == b'/')
        .map_or(start, |i| i + 1);
    let mut out = encoded[..start].to_vec();
    out.extend_from_slice(&encoded[base..]);
    out
}
