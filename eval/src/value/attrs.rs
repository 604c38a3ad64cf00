//! Attribute sets.
//!
//! An [`Attrs`] is a vector of `(name, position, value)` sorted by symbol id,
//! so a lookup is a binary search over `u32`s and `//` is a linear merge of two
//! sorted runs (C++ Nix's `Bindings` work the same way). Observable iteration
//! (printing, `attrNames`, `toJSON`, equality order) sorts by the names' bytes
//! on demand with [`Attrs::sorted_by_name`].

use std::rc::Rc;

use crate::{Pos, Symbol, Value};

/// One attribute.
#[derive(Clone, Debug)]
pub struct Attr {
    /// Its name.
    pub name: Symbol,
    /// Where it was defined ([`Pos::NONE`] if not from source).
    pub pos: Pos,
    /// Its (possibly unevaluated) value.
    pub value: Value,
}

/// An immutable attribute set.
#[derive(Clone, Debug, Default)]
pub struct Attrs {
    entries: Vec<Attr>,
}

impl Drop for Attrs {
    fn drop(&mut self) {
        if !self.entries.is_empty() {
            super::drop::defer(super::drop::Deferred::Attrs(std::mem::take(
                &mut self.entries,
            )));
        }
    }
}

impl Attrs {
    /// The empty set.
    #[must_use]
    pub fn empty() -> Rc<Attrs> {
        thread_local! {
            static EMPTY: Rc<Attrs> = Rc::new(Attrs::default());
        }
        EMPTY.with(Rc::clone)
    }

    /// Builds a set from attributes in any order; on duplicate names the
    /// first one wins.
    #[must_use]
    pub fn from_unsorted(mut entries: Vec<Attr>) -> Attrs {
        entries.sort_by_key(|a| a.name);
        entries.dedup_by_key(|a| a.name);
        Attrs { entries }
    }

    /// Builds a set from attributes already sorted by symbol id, without
    /// duplicates.
    #[must_use]
    pub(crate) fn from_sorted(entries: Vec<Attr>) -> Attrs {
        debug_assert!(entries.windows(2).all(|w| w[0].name < w[1].name));
        Attrs { entries }
    }

    /// Number of attributes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True if there are no attributes.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Looks an attribute up.
    #[must_use]
    #[inline]
    pub fn get(&self, name: Symbol) -> Option<&Value> {
        self.get_attr(name).map(|a| &a.value)
    }

    /// Looks an attribute up, with its position.
    #[must_use]
    #[inline]
    pub fn get_attr(&self, name: Symbol) -> Option<&Attr> {
        // Small sets: a linear scan beats the binary search's branches.
        if self.entries.len() <= 8 {
            return self.entries.iter().find(|a| a.name == name);
        }
        self.entries
            .binary_search_by_key(&name, |a| a.name)
            .ok()
            .map(|i| &self.entries[i])
    }

    /// The attributes in symbol-id order (not observable order).
    pub fn iter(&self) -> std::slice::Iter<'_, Attr> {
        self.entries.iter()
    }

    /// The attributes sorted by name bytes, as every observable iteration is.
    #[must_use]
    pub fn sorted_by_name(&self) -> Vec<&Attr> {
        let mut v: Vec<&Attr> = self.entries.iter().collect();
        v.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
        v
    }

    /// `self // other`: attributes of `other` win.
    #[must_use]
    pub fn update(&self, other: &Attrs) -> Attrs {
        let (a, b) = (&self.entries, &other.entries);
        let mut out = Vec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            match a[i].name.cmp(&b[j].name) {
                std::cmp::Ordering::Less => {
                    out.push(a[i].clone());
                    i += 1;
                }
                std::cmp::Ordering::Greater => {
                    out.push(b[j].clone());
                    j += 1;
                }
                std::cmp::Ordering::Equal => {
                    out.push(b[j].clone());
                    i += 1;
                    j += 1;
                }
            }
        }
        out.extend_from_slice(&a[i..]);
        out.extend_from_slice(&b[j..]);
        Attrs { entries: out }
    }

    /// Consumes the set into its attributes (symbol-id order).
    #[must_use]
    pub fn into_vec(mut self) -> Vec<Attr> {
        std::mem::take(&mut self.entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> Attrs {
        Attrs::from_unsorted(
            names
                .iter()
                .enumerate()
                .map(|(i, n)| Attr {
                    name: Symbol::new(n.as_bytes()),
                    pos: Pos::NONE,
                    value: Value::Int(i as i64),
                })
                .collect(),
        )
    }

    #[test]
    fn update_prefers_the_right_side_and_keeps_everything_else() {
        let a = set(&["x", "y", "z"]);
        let b = set(&["y", "w"]);
        let u = a.update(&b);
        assert_eq!(u.len(), 4);
        assert!(matches!(u.get(Symbol::new(b"y")), Some(Value::Int(0))));
        assert!(matches!(u.get(Symbol::new(b"z")), Some(Value::Int(2))));
        let names: Vec<_> = u
            .sorted_by_name()
            .iter()
            .map(|a| a.name.to_string())
            .collect();
        assert_eq!(names, ["w", "x", "y", "z"]);
    }

    #[test]
    fn large_sets_use_binary_search() {
        let names: Vec<String> = (0..100).map(|i| format!("n{i}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let s = set(&refs);
        assert!(matches!(s.get(Symbol::new(b"n57")), Some(Value::Int(57))));
        assert!(s.get(Symbol::new(b"nope")).is_none());
    }
}
