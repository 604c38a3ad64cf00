//! Interned attribute and variable names.
//!
//! A [`Symbol`] is a `u32` index into a thread-local table of byte strings.
//! Attribute sets are keyed and sorted by symbol index (a binary search over
//! integers), and only observable iteration sorts by the name's bytes.
//! Interned names live as long as the thread: like C++ Nix's symbol table they
//! are never freed, which lets [`Symbol::as_bytes`] hand out `&'static` slices.

use std::cell::RefCell;

use rustc_hash::FxHashMap;

/// An interned name.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Symbol(u32);

#[derive(Default)]
struct Table {
    names: Vec<&'static [u8]>,
    index: FxHashMap<&'static [u8], u32>,
}

thread_local! {
    static TABLE: RefCell<Table> = RefCell::new(Table::default());
}

impl Symbol {
    /// Interns a name.
    pub fn new(name: &[u8]) -> Symbol {
        TABLE.with(|t| {
            let mut t = t.borrow_mut();
            if let Some(&i) = t.index.get(name) {
                return Symbol(i);
            }
            let leaked: &'static [u8] = Box::leak(name.to_vec().into_boxed_slice());
            let i = t.names.len() as u32;
            t.names.push(leaked);
            t.index.insert(leaked, i);
            Symbol(i)
        })
    }

    /// The name's bytes.
    #[must_use]
    pub fn as_bytes(self) -> &'static [u8] {
        // Invariant: a Symbol is only created by `new` on this thread's table,
        // which never shrinks, so the index is in range.
        TABLE.with(|t| t.borrow().names[self.0 as usize])
    }

    /// The name, lossily decoded for messages.
    #[must_use]
    pub fn to_str_lossy(self) -> std::borrow::Cow<'static, str> {
        String::from_utf8_lossy(self.as_bytes())
    }
}

impl std::fmt::Debug for Symbol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.to_str_lossy())
    }
}

impl std::fmt::Display for Symbol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_str_lossy())
    }
}

/// Symbols the evaluator itself looks up, interned once per thread.
#[allow(missing_docs)]
pub(crate) mod known {
    use super::Symbol;

    macro_rules! known {
        ($($name:ident = $s:expr),* $(,)?) => {
            pub(crate) struct Known { $(pub(crate) $name: Symbol),* }
            thread_local! {
                static KNOWN: Known = Known { $($name: Symbol::new($s)),* };
            }
            $(
                #[inline]
                pub(crate) fn $name() -> Symbol { KNOWN.with(|k| k.$name) }
            )*
        };
    }

    known! {
        out_path = b"outPath",
        to_string = b"__toString",
        functor = b"__functor",
        type_ = b"type",
        name = b"name",
        value = b"value",
        success = b"success",
        file = b"file",
        line = b"line",
        column = b"column",
        key = b"key",
        prefix = b"prefix",
        path = b"path",
        right = b"right",
        wrong = b"wrong",
        overrides = b"__overrides",
        drv_path = b"drvPath",
        outputs = b"outputs",
        all_outputs = b"allOutputs",
        operator = b"operator",
        start_set = b"startSet",
        version = b"version",
    }
}
