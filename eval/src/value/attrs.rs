//! Attribute sets.
//!
//! An [`Attrs`] is a vector of `(name, position, value)` sorted by symbol id,
//! so a lookup is a binary search over `u32`s and `//` is a linear merge of two
//! sorted runs (C++ Nix's `Bindings` work the same way). Sets of more than a
//! few attributes keep their names in a separate array as well: the binary
//! search then reads 4-byte keys (a 20k-attribute set's 80 KB stay in the
//! cache) instead of touching a 24-byte entry per probe. Observable iteration
//! (printing, `attrNames`, `toJSON`, equality order) sorts by the names' bytes
//! on demand with [`Attrs::sorted_by_name`].

use std::{
    cell::{Cell, OnceCell},
    ptr::NonNull,
    rc::Rc,
};

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
///
/// A set is one sorted layer of attributes, optionally on top of a flat
/// `base` set whose attributes it shadows. Only `//` builds layers: a small
/// right-hand side is merged into the left side's top layer instead of
/// copying the whole (large) left side, as long as the top layer stays
/// under 1/[`LAYER_RATIO`] of the base; beyond that the union is flattened.
/// So nixpkgs-style `super // overlay` chains copy a 20k-attribute set once
/// per several overlays, not once per overlay, and lookups cost at most two
/// binary searches.
///
/// A `//` of two sets that are both large is *stacked* instead (see
/// [`Stacked`]): the result shares both operands and copies nothing until it
/// is iterated. nixpkgs' `composeExtensions` builds `super // fApplied` with
/// both sides the size of the package set at every overlay, only to look a
/// few hundred names up in it.
///
/// The set itself is 24 bytes, so its `Rc` is 40, the block size the `tvix`
/// allocator recycles: its own layer's attributes (a boxed slice, whose
/// length is a `u32` sharing a word with the position), and everything only
/// larger or layered sets need (the key array, the base, the stacked
/// layers, the cached size) in an [`Ext`] behind one more pointer, absent
/// for the small flat sets that are most sets.
pub struct Attrs {
    /// This layer, sorted by symbol id, without duplicates: a boxed slice
    /// of `len` attributes (see [`Attrs::entries`]).
    ptr: NonNull<Attr>,
    len: u32,
    /// Where the set literal that built it is (C++ Nix's `Bindings::pos`,
    /// which its `Value::determinePos` gives for a set); [`Pos::NONE`] for
    /// sets built by `//` and builtins.
    pos: Pos,
    /// What a set of more than [`LINEAR`] attributes, a layered or a
    /// stacked set needs.
    ext: Option<Box<Ext>>,
}

const _: () = assert!(std::mem::size_of::<Attrs>() == 24);

/// The parts of a set that small flat sets do without.
#[derive(Clone, Default)]
struct Ext {
    /// The names of the entries (empty for a layer searched linearly).
    keys: Box<[Symbol]>,
    /// The flat set under this layer (never itself layered).
    base: Option<Rc<Attrs>>,
    /// Set for a stacked set, whose entries and `base` are then empty.
    stacked: Option<Box<Stacked>>,
    /// Number of distinct names in the union of both; [`UNCOUNTED`] for a
    /// stacked set until it is first needed.
    len: Cell<u32>,
}

/// A set size as stored in [`Attrs::len`].
fn count(n: usize) -> Cell<u32> {
    Cell::new(u32::try_from(n).unwrap_or(UNCOUNTED - 1))
}

/// The operands of `a // b` where both are large, shared rather than merged.
///
/// A lookup searches the layers in turn until the set has paid for its
/// union: once lookups have spent as many binary searches beyond the first as
/// the set has attributes, or when it is first iterated, the union is built
/// once and every later lookup is one search of it. A set looked up a few
/// hundred times (an overlay's `super`) is never copied; one looked up for
/// every attribute (a final package set) is copied once, as C++ Nix would.
#[derive(Clone, Debug)]
struct Stacked {
    /// Non-empty, non-stacked sets, the one whose attributes win first.
    layers: Vec<Rc<Attrs>>,
    /// The union as one flat set, built on demand (see above).
    flat: OnceCell<Rc<Attrs>>,
    /// Binary searches beyond the first that lookups have spent so far ...
    extra: Cell<usize>,
    /// ... and how many buy the union: the layers' total size.
    budget: usize,
}

impl Stacked {
    fn new(layers: Vec<Rc<Attrs>>) -> Stacked {
        Stacked {
            budget: layers.iter().map(|l| l.len()).sum(),
            layers,
            flat: OnceCell::new(),
            extra: Cell::new(0),
        }
    }

    /// The union, built on first use.
    fn flat(&self) -> &Rc<Attrs> {
        self.flat
            .get_or_init(|| Rc::new(Attrs::flat(union(&self.layers))))
    }

    /// Looks `name` up in the union, or in the layers while the union has not
    /// paid for itself.
    fn get(&self, name: Symbol) -> Option<&Attr> {
        if let Some(flat) = self.flat.get() {
            return flat.get_unstacked(name);
        }
        let mut searched = 0;
        let found = self.layers.iter().find_map(|l| {
            searched += l.searches();
            l.get_unstacked(name)
        });
        let extra = self.extra.get() + searched - 1;
        if extra >= self.budget {
            self.flat();
        } else {
            self.extra.set(extra);
        }
        found
    }
}

/// A `//` result is layered while its top layer is at most this fraction of
/// its base.
const LAYER_RATIO: usize = 8;

/// `a // b` is stacked when both operands have at least this many
/// attributes (a small side is cheaper to copy or to layer than to search
/// separately; a chain of small updates keeps flattening as before) ...
const STACK_MIN: usize = 64;

/// ... and a lookup in the result needs at most this many binary searches
/// (one per flat set, two per layered one); beyond, the union is flattened.
/// Lookups in a stacked set build its union once they cost more than that
/// would (see [`Stacked`]), so this only bounds the worst case.
const MAX_SEARCHES: usize = 16;

/// [`Attrs::len`] of a stacked set not counted yet.
const UNCOUNTED: u32 = u32::MAX;

impl Drop for Attrs {
    fn drop(&mut self) {
        let entries = self.take_entries();
        // Only the last reference to a container can start a long chain of
        // drops; values that are scalars or shared are dropped in place.
        if entries.iter().any(|a| super::frees_container(&a.value)) {
            super::drop::defer(super::drop::Deferred::Attrs(entries));
        }
    }
}

impl Default for Attrs {
    fn default() -> Attrs {
        Attrs::from_parts(Vec::new(), None, Pos::NONE)
    }
}

impl Clone for Attrs {
    fn clone(&self) -> Attrs {
        Attrs::from_parts(self.entries().to_vec(), self.ext.clone(), self.pos)
    }
}

impl std::fmt::Debug for Attrs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Attrs");
        d.field("entries", &self.entries());
        if let Some(b) = self.base() {
            d.field("base", b);
        }
        if let Some(st) = self.stacked() {
            d.field("stacked", st);
        }
        d.field("pos", &self.pos).finish()
    }
}

impl Attrs {
    /// A set of `entries` (sorted, without duplicates), with `ext` and
    /// `pos`. The vector is boxed: built at its final size (as the
    /// constructors of sets do), that costs nothing; a vector with spare
    /// capacity is shrunk.
    #[inline]
    fn from_parts(entries: Vec<Attr>, ext: Option<Box<Ext>>, pos: Pos) -> Attrs {
        // No set has 4 billion attributes (that is 96 GiB of entries).
        let len = u32::try_from(entries.len()).unwrap_or_else(|_| std::process::abort());
        let raw: *mut [Attr] = Box::into_raw(entries.into_boxed_slice());
        Attrs {
            // SAFETY: a box's pointer is never null (a dangling, aligned
            // one for an empty slice).
            ptr: unsafe { NonNull::new_unchecked(raw.cast::<Attr>()) },
            len,
            pos,
            ext,
        }
    }

    /// This layer's attributes, sorted by symbol id.
    #[inline(always)]
    fn entries(&self) -> &[Attr] {
        // SAFETY: `ptr` and `len` are those of the boxed slice `self`
        // owns (see `from_parts` and `take_entries`).
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len as usize) }
    }

    /// Takes this layer's attributes out, leaving it empty.
    fn take_entries(&mut self) -> Box<[Attr]> {
        let len = std::mem::replace(&mut self.len, 0) as usize;
        let ptr = std::mem::replace(&mut self.ptr, NonNull::dangling());
        // SAFETY: the slice was boxed by `from_parts` with this pointer
        // and length, and is given up here (`self` now holds an empty one,
        // which owns no memory).
        unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr.as_ptr(), len)) }
    }

    /// The key array of this layer (empty when it is searched linearly).
    #[inline(always)]
    fn keys(&self) -> &[Symbol] {
        self.ext.as_ref().map_or(&[], |e| &e.keys)
    }

    /// The flat set under this layer.
    #[inline(always)]
    fn base(&self) -> Option<&Rc<Attrs>> {
        self.ext.as_ref().and_then(|e| e.base.as_ref())
    }

    /// The layers of a stacked set.
    #[inline(always)]
    fn stacked(&self) -> Option<&Stacked> {
        self.ext.as_ref().and_then(|e| e.stacked.as_deref())
    }

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
        Attrs::flat(entries)
    }

    /// Builds a set from attributes already sorted by symbol id, without
    /// duplicates.
    #[must_use]
    pub(crate) fn from_sorted(entries: Vec<Attr>) -> Attrs {
        debug_assert!(entries.windows(2).all(|w| w[0].name < w[1].name));
        Attrs::flat(entries)
    }

    #[inline]
    fn flat(entries: Vec<Attr>) -> Attrs {
        if entries.len() > LINEAR {
            return Attrs::flat_large(entries);
        }
        Attrs::from_parts(entries, None, Pos::NONE)
    }

    /// [`Self::flat`] of a set with a key array.
    #[inline(never)]
    fn flat_large(entries: Vec<Attr>) -> Attrs {
        let ext = Ext {
            keys: keys_of(&entries),
            len: count(entries.len()),
            ..Ext::default()
        };
        Attrs::from_parts(entries, Some(Box::new(ext)), Pos::NONE)
    }

    /// The set with `pos` as its position (see [`Attrs::pos`]).
    #[must_use]
    pub(crate) fn at(mut self, pos: Pos) -> Attrs {
        self.pos = pos;
        self
    }

    /// Where the set literal that built this set is, as C++ Nix's
    /// `Bindings::pos`: [`Pos::NONE`] for a set built otherwise.
    #[must_use]
    pub fn pos(&self) -> Pos {
        self.pos
    }

    /// Number of attributes.
    #[must_use]
    pub fn len(&self) -> usize {
        let Some(ext) = &self.ext else {
            return self.len as usize;
        };
        let n = ext.len.get();
        if n != UNCOUNTED {
            return n as usize;
        }
        let n = self.stacked_entries().map_or(0, <[Attr]>::len);
        ext.len.set(count(n).get());
        n
    }

    /// [`Self::len`] without counting a stacked set: then the sum of its
    /// layers' sizes (an upper bound, for sizing decisions).
    fn approx_len(&self) -> usize {
        match &self.ext {
            None => self.len as usize,
            Some(e) => match (&e.stacked, e.len.get()) {
                (Some(st), UNCOUNTED) => st.layers.iter().map(|l| l.len()).sum(),
                (_, n) => n as usize,
            },
        }
    }

    /// True if there are no attributes.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        // A stacked set has non-empty layers (its count is UNCOUNTED
        // until counted).
        match &self.ext {
            None => self.len == 0,
            Some(e) => e.len.get() == 0,
        }
    }

    /// A stacked set's union, merged on first use.
    fn stacked_entries(&self) -> Option<&[Attr]> {
        Some(self.stacked()?.flat().entries())
    }

    /// Binary searches a lookup costs (see [`MAX_SEARCHES`]).
    fn searches(&self) -> usize {
        match self.stacked() {
            Some(st) if st.flat.get().is_some() => 1,
            Some(st) => st.layers.iter().map(|l| l.searches()).sum(),
            None => 1 + usize::from(self.base().is_some()),
        }
    }

    /// The non-stacked sets that make up `this`, highest precedence first.
    fn layers(this: &Rc<Attrs>) -> &[Rc<Attrs>] {
        match this.stacked() {
            Some(st) => match st.flat.get() {
                Some(flat) => std::slice::from_ref(flat),
                None => &st.layers,
            },
            None => std::slice::from_ref(this),
        }
    }

    /// Looks an attribute up.
    #[must_use]
    #[inline]
    pub fn get(&self, name: Symbol) -> Option<&Value> {
        self.get_attr(name).map(|a| &a.value)
    }

    /// Looks an attribute up, with its position. A small flat set (no
    /// [`Ext`]) is scanned inline; others are searched out of line.
    #[must_use]
    #[inline(always)]
    pub fn get_attr(&self, name: Symbol) -> Option<&Attr> {
        let Some(ext) = &self.ext else {
            // A small flat set: a scan.
            return self.entries().iter().find(|a| a.name == name);
        };
        self.get_ext(ext, name)
    }

    /// [`Self::get`] with the search of larger and layered sets inline
    /// too, for the lookups of `with` scopes (often large sets, searched
    /// for every variable a `with` provides).
    #[inline(always)]
    pub(crate) fn get_inline(&self, name: Symbol) -> Option<&Value> {
        let found = match &self.ext {
            None => self.entries().iter().find(|a| a.name == name),
            Some(ext) => self.search_ext(ext, name),
        };
        found.map(|a| &a.value)
    }

    /// [`Self::get_attr`] in a set with an [`Ext`], out of line.
    #[inline(never)]
    fn get_ext<'a>(&'a self, ext: &'a Ext, name: Symbol) -> Option<&'a Attr> {
        self.search_ext(ext, name)
    }

    /// The search of a set with an [`Ext`]: its layers if stacked, else
    /// this layer and its base.
    #[inline(always)]
    fn search_ext<'a>(&'a self, ext: &'a Ext, name: Symbol) -> Option<&'a Attr> {
        if let Some(st) = &ext.stacked {
            return st.get(name);
        }
        self.get_unstacked(name)
    }

    /// How many names `a` and `b` have in common: the smaller one's names
    /// are looked up in the larger one.
    #[must_use]
    pub(crate) fn common_names(a: &Attrs, b: &Attrs) -> usize {
        let (small, large) = if b.len() <= a.len() { (b, a) } else { (a, b) };
        small
            .iter()
            .filter(|x| large.get_attr(x.name).is_some())
            .count()
    }

    /// [`Self::get_attr`] in this layer and its base.
    #[inline(always)]
    fn get_unstacked(&self, name: Symbol) -> Option<&Attr> {
        match search(self.entries(), self.keys(), name) {
            Some(a) => Some(a),
            None => self
                .base()
                .and_then(|b| search(b.entries(), b.keys(), name)),
        }
    }

    /// The attributes in symbol-id order (not observable order).
    pub fn iter(&self) -> Iter<'_> {
        if let Some(flat) = self.stacked_entries() {
            return Iter {
                top: flat,
                base: &[],
            };
        }
        Iter {
            top: self.entries(),
            base: self.base().map_or(&[][..], |b| b.entries()),
        }
    }

    /// The attributes sorted by name bytes, as every observable iteration is.
    #[must_use]
    pub fn sorted_by_name(&self) -> Vec<&Attr> {
        let mut v: Vec<&Attr> = self.iter().collect();
        v.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
        v
    }

    /// `this // other`: attributes of `other` win.
    #[must_use]
    pub fn update(this: &Rc<Attrs>, other: &Rc<Attrs>) -> Attrs {
        if this.stacked().is_none() && other.stacked().is_none() {
            let (base, top) = match this.base() {
                Some(b) => (b, this.entries()),
                None => (this, &[][..]),
            };
            let other_len = other.len();
            if (top.len() + other_len) * LAYER_RATIO <= base.entries().len() {
                let common = Attrs::common_names(this, other);
                let entries = merge(top.iter(), other.iter(), top.len() + other_len);
                let ext = Ext {
                    keys: keys_of(&entries),
                    base: Some(base.clone()),
                    stacked: None,
                    len: count(this.len() + other_len - common),
                };
                return Attrs::from_parts(entries, Some(Box::new(ext)), Pos::NONE);
            }
        }
        let (this_len, other_len) = (this.approx_len(), other.approx_len());
        // A stacked operand takes another layer, whatever the other's size:
        // that beats building its union for one update.
        let large = (this_len >= STACK_MIN && other_len >= STACK_MIN)
            || this.stacked().is_some()
            || other.stacked().is_some();
        if large && this.searches() + other.searches() <= MAX_SEARCHES {
            let mut layers = Attrs::layers(other).to_vec();
            layers.extend_from_slice(Attrs::layers(this));
            let ext = Ext {
                stacked: Some(Box::new(Stacked::new(layers))),
                len: Cell::new(UNCOUNTED),
                ..Ext::default()
            };
            return Attrs::from_parts(Vec::new(), Some(Box::new(ext)), Pos::NONE);
        }
        if this.stacked().is_some() || other.stacked().is_some() {
            // One merge of all the layers, not one per stacked operand.
            let mut layers = Attrs::layers(other).to_vec();
            layers.extend_from_slice(Attrs::layers(this));
            return Attrs::flat(union(&layers));
        }
        if this.base().is_none() && other.base().is_none() {
            return Attrs::flat(merge_flat(this, other));
        }
        Attrs::flat(merge(this.iter(), other.iter(), this_len + other_len))
    }

    /// Consumes the set into its attributes (symbol-id order).
    #[must_use]
    pub fn into_vec(mut self) -> Vec<Attr> {
        if self.base().is_none() && self.stacked().is_none() {
            return self.take_entries().into_vec();
        }
        self.iter().cloned().collect()
    }
}

/// Layers of at most this many attributes are searched linearly (a scan
/// beats the binary search's branches) and keep no key array.
const LINEAR: usize = 8;

/// The key array of a layer: its names, or nothing for a small layer.
fn keys_of(entries: &[Attr]) -> Box<[Symbol]> {
    if entries.len() <= LINEAR {
        return Box::default();
    }
    entries.iter().map(|a| a.name).collect()
}

/// Finds `name` in attributes sorted by symbol id, whose names are `keys`
/// (see [`keys_of`]).
#[inline]
fn search<'a>(entries: &'a [Attr], keys: &[Symbol], name: Symbol) -> Option<&'a Attr> {
    if keys.is_empty() {
        return entries.iter().find(|a| a.name == name);
    }
    keys.binary_search(&name).ok().and_then(|i| entries.get(i))
}

/// [`merge`] of two flat sets (neither layered nor stacked): runs without
/// a match are copied in bulk.
fn merge_flat(this: &Attrs, other: &Attrs) -> Vec<Attr> {
    let (a, b) = (this.entries(), other.entries());
    // The exact size, so that the set takes the vector as it is.
    let common = Attrs::common_names(this, other);
    let mut out = Vec::with_capacity(a.len() + b.len() - common);
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].name.cmp(&b[j].name) {
            std::cmp::Ordering::Less => {
                // Copy the whole run of `a` below b[j] at once.
                let run = a[i..].partition_point(|x| x.name < b[j].name);
                out.extend_from_slice(&a[i..i + run]);
                i += run;
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
    out
}

/// The union of non-stacked sets (the first one's attributes win), as one
/// sorted run. The layers are merged pairwise, in order, as references
/// (one comparison per attribute and merge), and each attribute of the
/// result is cloned once at the end. A stacked package set is a few large
/// layers under many small ones, so this touches each attribute about twice,
/// where a k-way merge compared every layer's head for every attribute.
fn union(layers: &[Rc<Attrs>]) -> Vec<Attr> {
    let Some((first, rest)) = layers.split_first() else {
        return Vec::new();
    };
    let mut acc: Vec<&Attr> = first.iter().collect();
    let mut next: Vec<&Attr> = Vec::new();
    for layer in rest {
        next.clear();
        next.reserve(acc.len() + layer.approx_len());
        let mut below = layer.iter().peekable();
        for &a in &acc {
            while let Some(b) = below.next_if(|b| b.name < a.name) {
                next.push(b);
            }
            below.next_if(|b| b.name == a.name);
            next.push(a);
        }
        next.extend(below);
        std::mem::swap(&mut acc, &mut next);
    }
    acc.into_iter().cloned().collect()
}

/// Merges two runs sorted by symbol id; on equal names `b` wins.
fn merge<'a>(
    a: impl Iterator<Item = &'a Attr>,
    b: impl Iterator<Item = &'a Attr>,
    capacity: usize,
) -> Vec<Attr> {
    let mut out = Vec::with_capacity(capacity);
    let (mut a, mut b) = (a.peekable(), b.peekable());
    loop {
        let next = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => match x.name.cmp(&y.name) {
                std::cmp::Ordering::Less => a.next(),
                std::cmp::Ordering::Greater => b.next(),
                std::cmp::Ordering::Equal => {
                    a.next();
                    b.next()
                }
            },
            (Some(_), None) => a.next(),
            (None, Some(_)) => b.next(),
            (None, None) => break,
        };
        if let Some(attr) = next {
            out.push(attr.clone());
        }
    }
    out
}

/// Iterator over a set's attributes in symbol-id order: the top layer
/// merged with the base, whose shadowed attributes are skipped.
#[derive(Clone, Debug)]
pub struct Iter<'a> {
    top: &'a [Attr],
    base: &'a [Attr],
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a Attr;

    /// Exact for a flat set (no base): a vector collected from it (a
    /// `mapAttrs`) is allocated at its final size.
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        let (t, b) = (self.top.len(), self.base.len());
        (t.max(b), Some(t + b))
    }

    #[inline]
    fn next(&mut self) -> Option<&'a Attr> {
        match (self.top.split_first(), self.base.split_first()) {
            (Some((t, trest)), Some((b, brest))) => match t.name.cmp(&b.name) {
                std::cmp::Ordering::Less => {
                    self.top = trest;
                    Some(t)
                }
                std::cmp::Ordering::Greater => {
                    self.base = brest;
                    Some(b)
                }
                std::cmp::Ordering::Equal => {
                    self.top = trest;
                    self.base = brest;
                    Some(t)
                }
            },
            (Some((t, trest)), None) => {
                self.top = trest;
                Some(t)
            }
            (None, Some((b, brest))) => {
                self.base = brest;
                Some(b)
            }
            (None, None) => None,
        }
    }
}

#[cfg(test)]
mod tests;
