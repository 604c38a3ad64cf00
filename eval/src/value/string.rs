//! Nix strings: bytes plus a string context.
//!
//! A [`NixString`] is one thin pointer (`Rc<StrRepr>`), so cloning is a
//! reference-count increment and a `Value` stays 16 bytes. The bytes are not
//! required to be UTF-8. The context is a [`Context`]: empty, one element
//! inline, or a shared sorted slice of several; elements are interned
//! ([`CtxElem`] is a `u32`), so merging, comparing and deduplicating contexts
//! touches integers, not strings. See `docs/src/eval/evaluator.md` (Values).

use std::{cell::RefCell, rc::Rc};

use rustc_hash::FxHashMap;

use crate::Symbol;

/// An interned string-context element, in C++ Nix's encoding: a plain store
/// path (`/nix/store/…`), a derivation with its closure (`=/nix/store/….drv`)
/// or one output of a derivation (`!out!/nix/store/….drv`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct CtxElem(u32);

#[derive(Default)]
struct CtxTable {
    elems: Vec<&'static [u8]>,
    index: FxHashMap<&'static [u8], u32>,
}

thread_local! {
    static CTX: RefCell<CtxTable> = RefCell::new(CtxTable::default());
}

impl CtxElem {
    /// Interns an element given in C++ Nix's encoding.
    pub fn new(encoded: &[u8]) -> CtxElem {
        CTX.with(|t| {
            let mut t = t.borrow_mut();
            if let Some(&i) = t.index.get(encoded) {
                return CtxElem(i);
            }
            let leaked: &'static [u8] = Box::leak(encoded.to_vec().into_boxed_slice());
            let i = t.elems.len() as u32;
            t.elems.push(leaked);
            t.index.insert(leaked, i);
            CtxElem(i)
        })
    }

    /// The encoded element.
    #[must_use]
    pub fn encoded(self) -> &'static [u8] {
        // Invariant: only `new` creates CtxElems, on this thread's table.
        CTX.with(|t| t.borrow().elems[self.0 as usize])
    }

    /// Decodes the element.
    #[must_use]
    pub fn kind(self) -> CtxKind {
        let e = self.encoded();
        if let Some(rest) = e.strip_prefix(b"=") {
            CtxKind::DrvDeep(rest)
        } else if let Some(rest) = e.strip_prefix(b"!") {
            match rest.iter().position(|&b| b == b'!') {
                Some(i) => CtxKind::Built {
                    output: &rest[..i],
                    drv: &rest[i + 1..],
                },
                None => CtxKind::Opaque(e),
            }
        } else {
            CtxKind::Opaque(e)
        }
    }
}

/// A decoded context element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CtxKind {
    /// A plain store path.
    Opaque(&'static [u8]),
    /// A derivation and its whole closure (`=drv`).
    DrvDeep(&'static [u8]),
    /// One output of a derivation (`!output!drv`).
    Built {
        /// The output name.
        output: &'static [u8],
        /// The derivation's store path.
        drv: &'static [u8],
    },
}

/// A string context: a set of [`CtxElem`]s, sorted by id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Context {
    /// No context (the common case).
    #[default]
    Empty,
    /// Exactly one element, stored inline.
    One(CtxElem),
    /// Two or more elements, sorted and deduplicated.
    Many(Rc<[CtxElem]>),
}

impl Context {
    /// True if there is no element.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        matches!(self, Context::Empty)
    }

    /// The elements, sorted by id.
    #[must_use]
    pub fn elems(&self) -> &[CtxElem] {
        match self {
            Context::Empty => &[],
            Context::One(e) => std::slice::from_ref(e),
            Context::Many(v) => v,
        }
    }

    /// Builds a context from elements in any order, with duplicates.
    #[must_use]
    pub fn from_elems(mut v: Vec<CtxElem>) -> Context {
        v.sort_unstable();
        v.dedup();
        match v.len() {
            0 => Context::Empty,
            1 => Context::One(v[0]),
            _ => Context::Many(v.into()),
        }
    }

    /// The union of two contexts.
    #[must_use]
    pub fn union(&self, other: &Context) -> Context {
        match (self, other) {
            (Context::Empty, o) | (o, Context::Empty) => o.clone(),
            (a, b) if a == b => a.clone(),
            (a, b) => {
                let mut v = a.elems().to_vec();
                v.extend_from_slice(b.elems());
                Context::from_elems(v)
            }
        }
    }
}

/// The heap part of a [`NixString`].
#[derive(Debug)]
pub(crate) struct StrRepr {
    context: Context,
    bytes: Box<[u8]>,
}

/// A Nix string: immutable bytes with a context, cheap to clone.
#[derive(Clone, Debug)]
pub struct NixString(Rc<StrRepr>);

impl NixString {
    /// How many values hold this string.
    #[inline]
    pub(super) fn ref_count(&self) -> usize {
        Rc::strong_count(&self.0)
    }

    /// A string without context.
    pub fn new(bytes: impl Into<Box<[u8]>>) -> NixString {
        NixString(Rc::new(StrRepr {
            context: Context::Empty,
            bytes: bytes.into(),
        }))
    }

    /// A string with a context.
    pub fn with_context(bytes: impl Into<Box<[u8]>>, context: Context) -> NixString {
        NixString(Rc::new(StrRepr {
            context,
            bytes: bytes.into(),
        }))
    }

    /// The name of `sym` as a string (without context). Each symbol's is
    /// made once, on first use, and kept for the thread's life, as the
    /// symbol itself is: `mapAttrs`, `zipAttrsWith` and `attrNames` pass
    /// names as strings, once per attribute of every set they are given.
    /// (C++ Nix's strings of symbols point into its symbol table.)
    pub fn of_symbol(sym: Symbol) -> NixString {
        thread_local! {
            /// Indexed by symbol id; `None` for a name not yet asked for.
            static OF_SYMBOL: RefCell<Vec<Option<NixString>>> = const { RefCell::new(Vec::new()) };
        }
        OF_SYMBOL.with(|t| {
            let mut t = t.borrow_mut();
            let i = sym.index();
            if i >= t.len() {
                t.resize(i + 1, None);
            }
            t[i].get_or_insert_with(|| NixString::new(sym.as_bytes()))
                .clone()
        })
    }

    /// The bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0.bytes
    }

    /// The context.
    #[must_use]
    pub fn context(&self) -> &Context {
        &self.0.context
    }

    /// True if both are the same allocation.
    #[must_use]
    pub fn ptr_eq(&self, other: &NixString) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }

    /// The bytes, lossily decoded.
    #[must_use]
    pub fn to_str_lossy(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.0.bytes)
    }
}

impl From<&str> for NixString {
    fn from(s: &str) -> Self {
        NixString::new(s.as_bytes())
    }
}

impl From<String> for NixString {
    fn from(s: String) -> Self {
        NixString::new(s.into_bytes())
    }
}

impl From<Vec<u8>> for NixString {
    fn from(s: Vec<u8>) -> Self {
        NixString::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_symbol_has_one_string() {
        let sym = Symbol::new(b"a-name-for-of-symbol");
        let a = NixString::of_symbol(sym);
        let b = NixString::of_symbol(sym);
        assert!(a.ptr_eq(&b), "made once, then shared");
        assert_eq!(a.as_bytes(), b"a-name-for-of-symbol");
        assert!(a.context().is_empty());
        let other = NixString::of_symbol(Symbol::new(b"another-name"));
        assert_eq!(other.as_bytes(), b"another-name");
        assert!(!a.ptr_eq(&other));
    }

    #[test]
    fn context_union_is_sorted_and_deduplicated() {
        let a = CtxElem::new(b"/nix/store/a");
        let b = CtxElem::new(b"=/nix/store/b.drv");
        let one = Context::from_elems(vec![b]);
        let both = Context::One(a).union(&one).union(&Context::One(a));
        assert_eq!(both.elems().len(), 2);
        assert_eq!(Context::from_elems(vec![a, a]), Context::One(a));
        assert_eq!(b.kind(), CtxKind::DrvDeep(b"/nix/store/b.drv"));
        let c = CtxElem::new(b"!out!/nix/store/c.drv");
        assert_eq!(
            c.kind(),
            CtxKind::Built {
                output: b"out",
                drv: b"/nix/store/c.drv"
            }
        );
    }
}
