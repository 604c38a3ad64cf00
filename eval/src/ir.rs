//! The intermediate representation the compiler produces from rnix's tree.
//!
//! Every variable is resolved at compile time: lexical variables become
//! `(depth, slot)` pairs into the environment chain, globals an index into the
//! builtins array, and only names bound by no lexical scope become dynamic
//! `with` lookups.
//!
//! Nodes are never freed: [`ExprRef`] is a plain pointer into per-thread
//! regions, so a thunk points at the sub-expression it delays without a
//! count to keep, and the nodes of one compilation sit next to each other.

use std::{
    alloc::Layout,
    cell::Cell,
    ptr::{self, NonNull},
};

use crate::{NixString, Pos, Symbol, Value};

/// A pointer to an expression node, which is never freed.
///
/// As in C++ Nix, which never frees a parsed expression, a node is never
/// freed: nothing counts the thunks and closures that point at it (an
/// `Rc` cost an increment when a thunk was made and a decrement when it
/// was forced or dropped, and a write to the node's cache line each time).
/// Code is compiled once per file (imports are cached) and per `-E`
/// string or REPL line, so what a process keeps is the size of the code it
/// has read.
///
/// Where a node is tells what it is (see [`Stream`]): `lazy` decides from
/// the pointer alone whether to delay a node with a thunk, without reading
/// the node, which is usually not in the cache when its parent reaches it.
#[derive(Clone, Copy)]
pub(crate) struct ExprRef(NonNull<Expr>);

/// Nodes are written into regions of [`REGION`] bytes, aligned to their
/// size, each split into parts for three streams of nodes: the first
/// quarter for nodes `lazy` reads (constants, builtins' names, inlined
/// `let` bindings, `[ ]`), the second for variables, the second half for
/// all the others, which `lazy` delays. A node's stream is then two bits
/// of its address. Each stream fills its part of the region it is in and
/// takes a new region when that part is full; the parts of a region that
/// other streams have not reached are never written, so they take no
/// memory.
#[derive(Clone, Copy)]
enum Stream {
    Plain = 0,
    Var = 1,
    Delayed = 2,
}

/// A region's size and alignment: 64 KiB.
const REGION: usize = 64 * 1024;
/// A quarter of a region.
const QUARTER: usize = REGION / 4;
const _: () = assert!(QUARTER % 8 == 0);

impl ExprRef {
    /// Moves `e` into this thread's node regions.
    pub(crate) fn new(e: Expr) -> ExprRef {
        let stream = match &e {
            Expr::Var { .. } => Stream::Var,
            Expr::Const(_) | Expr::Global(_) | Expr::LetUse { .. } => Stream::Plain,
            Expr::List(items) if items.is_empty() => Stream::Plain,
            _ => Stream::Delayed,
        };
        ExprRef(alloc_in(e, stream))
    }

    /// Whether `lazy` delays the node with a thunk (C++ Nix's
    /// `maybeThunk` makes one): every node but a constant, a variable, a
    /// builtin's name, an inlined `let` binding and `[ ]`.
    #[inline(always)]
    pub(crate) fn is_delayed(self) -> bool {
        self.0.addr().get() & (2 * QUARTER) != 0
    }

    /// Whether the node is an `Expr::Var`.
    #[inline(always)]
    pub(crate) fn is_var(self) -> bool {
        self.0.addr().get() & (3 * QUARTER) == QUARTER
    }

    /// The node, which is never freed.
    #[inline(always)]
    pub(crate) fn node(self) -> &'static Expr {
        // SAFETY: the node `new` wrote, which is never freed or moved, and
        // never mutated (only `&Expr` is handed out).
        unsafe { self.0.as_ref() }
    }
}

impl LambdaDef {
    /// Moves the definition into this thread's regions, next to the nodes
    /// being compiled, where it stays for as long as they do: a closure
    /// points at it without a count.
    pub(crate) fn place(self) -> &'static LambdaDef {
        // SAFETY: written once into a region that is never freed, and only
        // ever read from.
        unsafe { alloc_in(self, Stream::Delayed).as_ref() }
    }
}

impl std::ops::Deref for ExprRef {
    type Target = Expr;

    #[inline(always)]
    fn deref(&self) -> &Expr {
        self.node()
    }
}

impl std::fmt::Debug for ExprRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

thread_local! {
    /// The free part of each stream's part of its region: next node, end.
    static FREE: [Cell<(*mut u8, *mut u8)>; 3] =
        const { [const { Cell::new((ptr::null_mut(), ptr::null_mut())) }; 3] };
}

/// Writes `v` (a node, or a lambda's definition) into the next free space
/// of `stream`.
fn alloc_in<T>(v: T, stream: Stream) -> NonNull<T> {
    // Every value written keeps the next one aligned.
    const { assert!(std::mem::align_of::<T>() == 8) };
    const { assert!(std::mem::size_of::<T>() <= QUARTER) };
    let node = reserve(std::mem::size_of::<T>(), stream).cast::<T>();
    // SAFETY: `reserve` gave free space for a `T`, aligned for it; it is
    // written once, never again.
    unsafe {
        node.write(v);
        NonNull::new_unchecked(node)
    }
}

/// A copy of `items` (the arguments of an application, an attribute path)
/// in this thread's regions, next to the node being compiled; a long one
/// (over a quarter of a region) in a leaked allocation of its own.
pub(crate) fn placed<T: Copy>(items: &[T]) -> &'static [T] {
    const { assert!(std::mem::align_of::<T>() == 8) };
    let bytes = std::mem::size_of_val(items);
    if items.is_empty() {
        return &[];
    }
    if bytes > QUARTER {
        return Box::leak(items.into());
    }
    let p = reserve(bytes, Stream::Delayed).cast::<T>();
    // SAFETY: `reserve` gave free space for `items.len()` values of `T`,
    // aligned for them, which are copied there once and only read after.
    unsafe {
        ptr::copy_nonoverlapping(items.as_ptr(), p, items.len());
        std::slice::from_raw_parts(p, items.len())
    }
}

/// The next `size` bytes of free space of `stream` (`size` a multiple of
/// eight and at most a quarter of a region), aligned to eight.
fn reserve(size: usize, stream: Stream) -> *mut u8 {
    debug_assert!(size % 8 == 0 && size <= QUARTER);
    FREE.with(|free| {
        let cell = &free[stream as usize];
        let (mut next, mut end) = cell.get();
        if end.addr() - next.addr() < size {
            let layout = Layout::from_size_align(REGION, REGION).expect("a valid layout");
            // SAFETY: the layout's size is not zero. The region is never
            // freed (see `ExprRef`).
            let region = unsafe { std::alloc::alloc(layout) };
            if region.is_null() {
                std::alloc::handle_alloc_error(layout);
            }
            let (start, len) = match stream {
                Stream::Plain => (0, QUARTER),
                Stream::Var => (QUARTER, QUARTER),
                Stream::Delayed => (2 * QUARTER, 2 * QUARTER),
            };
            // SAFETY: both are inside the region just allocated, or one
            // past its end.
            (next, end) = unsafe { (region.add(start), region.add(start + len)) };
        }
        // SAFETY: `next` is free space of a live region, at least `size`
        // long (a part is at least a quarter), and aligned to eight: the
        // region is, a part starts at a multiple of eight and every size
        // reserved is a multiple of eight.
        cell.set((unsafe { next.add(size) }, end));
        next
    })
}

/// A part of an attribute path.
#[derive(Clone, Copy, Debug)]
pub(crate) enum AttrName {
    Static(Symbol),
    /// `${e}` or `"..."` with its C++ `getPos` (see the compiler), where
    /// the errors about the name are reported, and the variable's name when
    /// `e` is one (shown in attribute paths as C++ Nix's `show` does).
    Dynamic(ExprRef, Pos, Option<Symbol>),
}

/// Binary operators that are not function calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BinOp {
    Eq,
    NEq,
    And,
    Or,
    Impl,
    Update,
    Concat,
    /// `-` (C++ Nix: a call of `__sub`).
    Sub,
    /// `*` (`__mul`).
    Mul,
    /// `/` (`__div`).
    Div,
    /// `<` (`__lessThan a b`).
    Lt,
    /// `>` (`__lessThan b a`).
    Gt,
    /// `<=` (`! __lessThan b a`).
    Le,
    /// `>=` (`! __lessThan a b`).
    Ge,
}

/// A statically named attribute of a set literal.
#[derive(Debug)]
pub(crate) struct AttrDef {
    pub(crate) name: Symbol,
    pub(crate) pos: Pos,
    pub(crate) value: ExprRef,
}

/// A dynamically named attribute (`${e} = v`).
#[derive(Debug)]
pub(crate) struct DynAttrDef {
    pub(crate) name: ExprRef,
    pub(crate) pos: Pos,
    pub(crate) value: ExprRef,
}

/// One formal of a pattern lambda.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Formal {
    pub(crate) name: Symbol,
    pub(crate) pos: Pos,
    pub(crate) default: Option<ExprRef>,
}

/// A function literal.
///
/// The fields a call reads come first (`repr(C)` keeps that order), so they
/// share a cache line.
#[derive(Debug)]
#[repr(C)]
pub(crate) struct LambdaDef {
    pub(crate) body: ExprRef,
    /// `{ a, b ? 1, ... }`: formals in symbol-id order (in the regions, see
    /// [`placed`]), and whether `...`.
    pub(crate) formals: Option<(&'static [Formal], bool)>,
    /// Slots of the call environment (arg, then formals, then `let`s merged
    /// into it).
    pub(crate) env_size: usize,
    pub(crate) pos: Pos,
    /// Name for traces (the attribute or let binding it was defined in).
    pub(crate) name: Option<Symbol>,
    /// The plain argument or `@` binding.
    pub(crate) arg: Option<Symbol>,
}

impl Expr {
    /// A set literal at `pos`, its static attributes sorted by symbol id.
    pub(crate) fn attrs(mut attrs: Vec<AttrDef>, dynamic: Vec<DynAttrDef>, pos: Pos) -> Expr {
        attrs.sort_unstable_by_key(|a| a.name);
        Expr::Attrs {
            attrs: attrs.into(),
            dynamic: dynamic.into(),
            pos,
        }
    }
}

/// A node.
#[derive(Debug)]
pub(crate) enum Expr {
    /// A literal (int, float, string without interpolation, path).
    Const(Value),
    /// A lexical variable: walk `depth` parents, then read `slot`.
    Var {
        depth: u32,
        slot: u32,
        /// Where the name is used ([`Pos::NONE`] for variables the compiler
        /// introduces): an infinite recursion found forcing it is there.
        pos: Pos,
    },
    /// A global (builtins scope) variable.
    Global(u32),
    /// `builtins.NAME` with a static name of a builtin that is not itself a
    /// thunk: the global slot holding the same value, read without the
    /// attribute lookup. Unlike [`Expr::Global`] it is still delayed in a
    /// thunk by `lazy`, as C++ Nix delays any select.
    BuiltinSelect(u32),
    /// A name bound by no lexical scope: look it up in the enclosing `with`
    /// scopes, innermost first (`depths` of their environments).
    WithVar {
        name: Symbol,
        pos: Pos,
        /// With the position of each `with` expression, where C++ Nix
        /// reports that its scope is not a set.
        depths: Box<[(u32, Pos)]>,
    },
    /// `let` and the environment of `rec { }`: a new environment of `size`
    /// slots whose first ones are the bindings, each delayed in the new
    /// environment itself (the other slots are for `let`s merged into it).
    /// A binding the compiler inlined at its use ([`Expr::LetUse`]) is
    /// `None`: its slot stays empty until that use fills it.
    Let {
        bindings: Box<[Option<ExprRef>]>,
        body: ExprRef,
        size: u32,
    },
    /// A `let` (or `rec { }` scope) merged into the current environment:
    /// its bindings fill the slots from `base` on, then `body` is evaluated
    /// in the same environment. The compiler emits it only where the
    /// expression is evaluated at most once per environment.
    LetHere {
        base: u32,
        bindings: Box<[Option<ExprRef>]>,
        body: ExprRef,
    },
    /// The only use of a `let` binding, in the binding's own environment
    /// (see `compiler::inline`): `value` is evaluated here rather than in
    /// a thunk made when the `let` was entered, and kept in `slot` of the
    /// current environment, which a second evaluation of this use (after
    /// an error, under `tryEval`) reads as it would read the thunk.
    LetUse {
        slot: u32,
        value: ExprRef,
    },
    /// An attribute set literal (values delayed in the current environment;
    /// for `rec`, wrapped in a `Let` that binds them). `attrs` are sorted by
    /// symbol id (build it with [`Expr::attrs`]), so a set without dynamic
    /// names is built without sorting.
    Attrs {
        attrs: Box<[AttrDef]>,
        dynamic: Box<[DynAttrDef]>,
        /// Where the literal starts (`{`, or `rec`): the set's position
        /// ([`crate::Attrs::pos`]); none for the sets nested attribute paths
        /// make (`a.b = 1;`), as in C++ Nix.
        pos: Pos,
    },
    List(Box<[ExprRef]>),
    Select {
        expr: ExprRef,
        path: &'static [AttrName],
        default: Option<ExprRef>,
        pos: Pos,
    },
    HasAttr {
        expr: ExprRef,
        path: &'static [AttrName],
    },
    Apply {
        func: ExprRef,
        args: &'static [ExprRef],
        pos: Pos,
    },
    Lambda(&'static LambdaDef),
    If {
        cond: ExprRef,
        then: ExprRef,
        else_: ExprRef,
        pos: Pos,
    },
    Assert {
        cond: ExprRef,
        body: ExprRef,
        pos: Pos,
        /// C++ Nix's `show` of the condition, for the error messages.
        text: NixString,
    },
    /// `with e; body`: a new environment of `size` slots, the first holding
    /// `e` delayed (the others are for `let`s merged into it).
    With {
        attrs: ExprRef,
        body: ExprRef,
        size: u32,
    },
    Not(ExprRef, Pos),
    /// `-e` (C++ Nix: `__sub 0 e`).
    Neg(ExprRef, Pos),
    BinOp {
        op: BinOp,
        lhs: ExprRef,
        rhs: ExprRef,
        pos: Pos,
    },
    /// String interpolation and `+`-free concatenation of parts; the first
    /// part decides whether the result is a path (`./a/${b}`).
    ConcatStrings {
        /// Each part with its position (where C++ Nix reports a part's
        /// errors: the literal, or the `${` of an interpolation).
        parts: Box<[(Pos, ExprRef)]>,
        pos: Pos,
        /// True for `"..."` interpolation (parts must be strings or coercible).
        force_string: bool,
    },
    /// `+`.
    Add {
        lhs: ExprRef,
        rhs: ExprRef,
        /// The operator token.
        pos: Pos,
        /// Where the operands start: C++ Nix reports `+`'s errors there.
        lhs_pos: Pos,
        rhs_pos: Pos,
    },
    /// `__curPos`.
    CurPos(Pos),
    /// Always delayed in a thunk, even where `lazy` would not make one (a
    /// constant or variable), so the slot it fills can be redirected.
    Thunked(ExprRef),
    /// The body of a `rec` set with a static `__overrides` attribute: the
    /// set, then each attribute of `__overrides` replaces the attribute of
    /// the same name (in the result and in the recursive scope, whose slots
    /// are `slots`) or is added (C++ Nix's deprecated override mechanism).
    RecOverrides {
        set: ExprRef,
        slots: Box<[(Symbol, u32)]>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every node is read back as written, and its pointer tells its kind,
    /// over enough nodes that each stream takes several regions.
    #[test]
    fn nodes_stay_put_and_their_address_tells_their_kind() {
        let n = 3 * REGION / std::mem::size_of::<Expr>();
        let mut nodes = Vec::new();
        for i in 0..n {
            let i32_ = i as u32;
            let e = match i % 4 {
                0 => Expr::Var {
                    depth: i32_,
                    slot: 1,
                    pos: Pos::NONE,
                },
                1 => Expr::Global(i32_),
                2 => Expr::CurPos(Pos::NONE),
                _ => Expr::List(Box::default()),
            };
            nodes.push((i, ExprRef::new(e)));
        }
        for (i, e) in nodes {
            let i32_ = i as u32;
            match (i % 4, &*e) {
                (0, Expr::Var { depth, .. }) => {
                    assert_eq!(*depth, i32_);
                    assert!(e.is_var() && !e.is_delayed());
                }
                (1, Expr::Global(g)) => {
                    assert_eq!(*g, i32_);
                    assert!(!e.is_var() && !e.is_delayed());
                }
                (2, Expr::CurPos(_)) => assert!(!e.is_var() && e.is_delayed()),
                (3, Expr::List(items)) => {
                    assert!(items.is_empty());
                    assert!(!e.is_var() && !e.is_delayed());
                }
                (k, other) => panic!("node {i} (kind {k}) reads back as {other:?}"),
            }
        }
    }

    /// Placed slices read back as given: empty, short ones in a region,
    /// and one longer than a region's quarter, which no part could hold.
    #[test]
    fn placed_slices_read_back() {
        let long: Vec<AttrName> = (0..QUARTER)
            .map(|i| AttrName::Static(Symbol::new(format!("a{}", i % 7).as_bytes())))
            .collect();
        assert!(std::mem::size_of_val(&long[..]) > QUARTER);
        for len in [0, 1, 3, 200, long.len()] {
            let items = &long[..len];
            let copy = placed(items);
            assert_eq!(copy.len(), len);
            for (a, b) in items.iter().zip(copy) {
                let (AttrName::Static(x), AttrName::Static(y)) = (a, b) else {
                    panic!("a static name changed kind");
                };
                assert_eq!(x, y);
            }
        }
    }
}
