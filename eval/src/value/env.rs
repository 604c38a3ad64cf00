//! [`Env`]: a lexical environment frame, its slots in the same allocation.
//!
//! A frame is one heap block: a header (the reference count, the parent
//! frame, the number of slots) followed by the slots, as C++ Nix's `Env`
//! keeps its values after the header. A one-slot frame (a plain lambda's
//! argument, a `with` scope: most frames) is 40 bytes, the size the `tvix`
//! allocator recycles; a `let` or a call with a pattern of `n` bindings is
//! `24 + 16n` bytes. Reading a slot is one load from the frame's own
//! address: no box of slots behind it, and no test of how the slots are
//! kept.
//!
//! Like [`super::Shared`], the count is the first word and there is no weak
//! count. All access goes through the block's own pointer (never a
//! reference to the header alone), so the slots are reached with the
//! provenance of the whole allocation.

use std::{
    alloc::{Layout, alloc, dealloc, handle_alloc_error},
    cell::{Cell, OnceCell},
    marker::PhantomData,
    ptr::NonNull,
};

use super::{Value, drop, frees_container, shared};

/// The start of a frame's block; `len` slots follow it.
#[repr(C)]
struct Header {
    count: Cell<usize>,
    parent: Option<Env>,
    len: usize,
}

/// One slot: written once, right after the frame is built (recursive
/// bindings need the frame to exist before their thunks).
type Slot = OnceCell<Value>;

const _: () = assert!(std::mem::size_of::<Header>() == 24);
const _: () = assert!(std::mem::size_of::<Slot>() == 16);
const _: () = assert!(std::mem::align_of::<Slot>() <= std::mem::align_of::<Header>());

/// The layout of a block of `len` slots.
fn layout(len: usize) -> Layout {
    // A frame has as many slots as its scope has bindings, far below the
    // sizes for which this could overflow.
    Layout::from_size_align(
        std::mem::size_of::<Header>() + len * std::mem::size_of::<Slot>(),
        std::mem::align_of::<Header>(),
    )
    .unwrap_or_else(|_| std::process::abort())
}

/// A shared pointer to one scope's frame: its slots, in binding order, and
/// its parent (the scope it is nested in). Neither `Send` nor `Sync`.
pub(crate) struct Env {
    ptr: NonNull<Header>,
    /// Owns a frame (its parent and values) for the drop check.
    _owns: PhantomData<(Header, Value)>,
}

impl Env {
    /// A block for `len` slots with its header written (a count of one),
    /// and the address of its first slot.
    ///
    /// # Safety
    /// The caller writes all `len` slots before it makes an `Env` of the
    /// block.
    #[inline(always)]
    unsafe fn alloc_block(parent: Option<Env>, len: usize) -> (NonNull<Header>, *mut Slot) {
        let layout = layout(len);
        // SAFETY: the layout is never zero-sized (the header is 24 bytes).
        let raw = unsafe { alloc(layout) }.cast::<Header>();
        let Some(ptr) = NonNull::new(raw) else {
            handle_alloc_error(layout)
        };
        // SAFETY: the block is fresh, and large and aligned enough for the
        // header and `len` slots after it.
        unsafe {
            ptr.write(Header {
                count: Cell::new(1),
                parent,
                len,
            });
            (ptr, ptr.add(1).cast::<Slot>().as_ptr())
        }
    }

    /// The `Env` of a block whose slots are all written.
    #[inline(always)]
    fn from_block(ptr: NonNull<Header>) -> Env {
        Env {
            ptr,
            _owns: PhantomData,
        }
    }

    /// A frame of `size` empty slots.
    pub(crate) fn new(parent: Option<Env>, size: usize) -> Env {
        // SAFETY: every slot is written before the `Env` is made.
        unsafe {
            let (ptr, slots) = Self::alloc_block(parent, size);
            for i in 0..size {
                slots.add(i).write(OnceCell::new());
            }
            Self::from_block(ptr)
        }
    }

    /// A frame of `size` slots (at least one) whose first slot holds `first`.
    #[inline]
    pub(crate) fn with_first(parent: Option<Env>, first: Value, size: usize) -> Env {
        if size <= 1 {
            // A plain lambda's frame: a block of constant size (the
            // allocator's recycled one), no loop.
            // SAFETY: the one slot is written before the `Env` is made.
            unsafe {
                let (ptr, slot) = Self::alloc_block(parent, 1);
                slot.write(OnceCell::from(first));
                return Self::from_block(ptr);
            }
        }
        Self::with_first_many(parent, first, size)
    }

    /// [`Self::with_first`] of more than one slot.
    #[inline(never)]
    fn with_first_many(parent: Option<Env>, first: Value, size: usize) -> Env {
        // SAFETY: every slot is written before the `Env` is made.
        unsafe {
            let (ptr, slots) = Self::alloc_block(parent, size);
            slots.write(OnceCell::from(first));
            for i in 1..size {
                slots.add(i).write(OnceCell::new());
            }
            Self::from_block(ptr)
        }
    }

    /// A frame holding `values`, in order.
    pub(crate) fn with_values(parent: Option<Env>, values: impl IntoIterator<Item = Value>) -> Env {
        let values: Vec<Value> = values.into_iter().collect();
        // SAFETY: every slot is written before the `Env` is made (the
        // vector's length is exact).
        unsafe {
            let (ptr, slots) = Self::alloc_block(parent, values.len());
            for (i, v) in values.into_iter().enumerate() {
                slots.add(i).write(OnceCell::from(v));
            }
            Self::from_block(ptr)
        }
    }

    #[inline(always)]
    fn header(&self) -> &Header {
        // SAFETY: the block lives while any `Env` to it does (the count is
        // at least one: `self`'s own).
        unsafe { self.ptr.as_ref() }
    }

    /// The enclosing scope's frame (none for a root frame).
    #[inline(always)]
    pub(crate) fn parent(&self) -> Option<&Env> {
        self.header().parent.as_ref()
    }

    /// The slots, in binding order.
    #[inline(always)]
    pub(crate) fn slots(&self) -> &[Slot] {
        // SAFETY: `len` initialised slots follow the header in the block,
        // which lives as long as `self` (see `header`); they are only ever
        // changed through `OnceCell`'s shared-reference API.
        unsafe {
            std::slice::from_raw_parts(self.ptr.add(1).cast::<Slot>().as_ptr(), self.header().len)
        }
    }

    #[inline]
    pub(crate) fn set(&self, slot: usize, v: Value) {
        // A slot is written once; a second write would be a compiler bug and is
        // ignored rather than panicking.
        let _ = self.slots()[slot].set(v);
    }

    #[inline]
    pub(crate) fn get(&self, slot: usize) -> Value {
        self.slots()[slot].get().cloned().unwrap_or(Value::Null)
    }

    /// Frees the block, whose count has reached zero. A one-slot frame's
    /// value is dropped here unless it frees a container (then through
    /// [`drop`]'s queue); a larger frame is dropped whole through the queue,
    /// so that a chain of frames held by their slots' thunks is not freed
    /// recursively.
    #[inline(never)]
    fn drop_slow(&mut self) {
        if self.header().len != 1 {
            drop::defer(drop::Deferred::Frame(Block(self.ptr)));
            return;
        }
        // SAFETY: nothing else can reach the block (the count is zero), and
        // it has one slot, right after the header.
        let slot = unsafe { &mut *self.ptr.add(1).cast::<Slot>().as_ptr() };
        if let Some(v) = slot.take() {
            // An evaluated thunk (a call's argument, once used) holds no
            // frame, and its own drop queues any container it frees: it
            // cannot start a long chain here.
            let settled = matches!(&v, Value::Thunk(t) if t.0.done().is_some());
            if !settled && frees_container(&v) {
                drop::defer(drop::Deferred::Values(v, None));
            }
        }
        // SAFETY: the slot is empty now (nothing to drop); the header is
        // dropped once and the block freed with its constant layout, which
        // is the one it was allocated with.
        unsafe {
            std::ptr::drop_in_place(self.ptr.as_ptr());
            dealloc(self.ptr.as_ptr().cast(), layout(1));
        }
    }
}

impl Clone for Env {
    #[inline(always)]
    fn clone(&self) -> Env {
        shared::count_up(&self.header().count);
        Env {
            ptr: self.ptr,
            _owns: PhantomData,
        }
    }
}

impl Drop for Env {
    #[inline]
    fn drop(&mut self) {
        if shared::count_down(&self.header().count) {
            self.drop_slow();
        }
    }
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Env")
            .field("slots", &self.slots())
            .field("parent", &self.parent())
            .finish()
    }
}

/// A frame's block once its count is zero: owned by whoever drops it, which
/// drops its slots and parent and frees it.
pub(super) struct Block(NonNull<Header>);

impl Drop for Block {
    fn drop(&mut self) {
        // SAFETY: the block is live until this drop frees it.
        let len = unsafe { self.0.as_ref() }.len;
        // SAFETY: the count reached zero, so this is the only owner: the
        // header and its `len` slots, written by `Env::alloc_block` and its
        // callers, are dropped
        // once, then the block is freed with the layout it was allocated
        // with.
        unsafe {
            let slots = self.0.add(1).cast::<Slot>();
            std::ptr::drop_in_place(std::ptr::slice_from_raw_parts_mut(slots.as_ptr(), len));
            std::ptr::drop_in_place(self.0.as_ptr());
            dealloc(self.0.as_ptr().cast(), layout(len));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    #[test]
    fn slots_sit_after_the_header_and_free_with_the_frame() {
        let token = Value::list(vec![Value::Int(1)]);
        let Value::List(l) = &token else {
            unreachable!()
        };
        let root = Env::with_values(None, [Value::Int(7), token.clone(), Value::Int(9)]);
        assert_eq!(Rc::strong_count(l), 2);
        let child = Env::with_first(Some(root.clone()), Value::Int(3), 4);
        assert_eq!(child.slots().len(), 4);
        assert!(matches!(child.get(0), Value::Int(3)));
        assert!(child.slots()[1].get().is_none());
        child.set(2, token.clone());
        assert_eq!(Rc::strong_count(l), 3);
        let p = child.parent().expect("a parent");
        assert!(matches!(p.get(0), Value::Int(7)));
        assert!(matches!(p.get(2), Value::Int(9)));
        // The slots are in the frame's own block, right after the header.
        let base = child.ptr.as_ptr() as usize;
        assert_eq!(child.slots().as_ptr() as usize, base + 24);
        drop(root);
        assert_eq!(Rc::strong_count(l), 3, "the child holds the root");
        drop(child);
        assert_eq!(Rc::strong_count(l), 1, "both frames freed their slots");
        let one = Env::new(None, 1);
        one.set(0, token.clone());
        drop(one);
        assert_eq!(Rc::strong_count(l), 1, "a one-slot frame too");
        assert!(Env::new(None, 0).slots().is_empty());
    }
}
