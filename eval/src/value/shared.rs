//! [`Shared`]: a reference-counted pointer without a weak count, for the
//! most numerous heap objects, thunks (environment frames, the other, have
//! a pointer type of their own, `Env`, built the same way).
//!
//! `Rc` keeps two counts before its value, strong and weak. Nothing holds a
//! thunk weakly, so the weak count only costs: a word per object (a thunk
//! is 32 bytes, so 48 with `Rc`'s counts and 40 with one) and a decrement and a test on every free. Like `Rc`'s, the
//! count is the first word of the allocation, so the tests of a value's
//! count in `Value`'s `clone` and `drop` stay one load for every variant.

use std::{cell::Cell, marker::PhantomData, ops::Deref, ptr::NonNull};

/// The allocation: the count, then the value.
#[repr(C)]
struct SharedBox<T> {
    count: Cell<usize>,
    value: T,
}

/// A single-threaded reference-counted pointer to a `T`, with only a strong
/// count (see the module's doc). Neither `Send` nor `Sync` (as `Rc`): the
/// count is a plain `Cell`.
pub(crate) struct Shared<T> {
    ptr: NonNull<SharedBox<T>>,
    /// Owns a `SharedBox<T>` for the drop check.
    _owns: PhantomData<SharedBox<T>>,
}

impl<T> Shared<T> {
    /// A new allocation holding `value`, with a count of one.
    #[inline]
    pub(crate) fn new(value: T) -> Shared<T> {
        let b = Box::new(SharedBox {
            count: Cell::new(1),
            value,
        });
        Shared {
            ptr: NonNull::from(Box::leak(b)),
            _owns: PhantomData,
        }
    }

    #[inline(always)]
    fn inner(&self) -> &SharedBox<T> {
        // SAFETY: the allocation lives while any `Shared` to it does (the
        // count is at least one: `self`'s own).
        unsafe { self.ptr.as_ref() }
    }

    /// How many `Shared` point to this allocation.
    #[inline(always)]
    pub(crate) fn strong_count(this: &Shared<T>) -> usize {
        this.inner().count.get()
    }

    /// Whether both point to the same allocation.
    #[inline]
    pub(crate) fn ptr_eq(a: &Shared<T>, b: &Shared<T>) -> bool {
        a.ptr == b.ptr
    }

    /// The address of the value (for identity, as `Rc::as_ptr`).
    #[inline]
    pub(crate) fn as_ptr(this: &Shared<T>) -> *const T {
        &this.inner().value
    }

    /// Frees the allocation, whose count has reached zero.
    #[inline(never)]
    fn drop_slow(&mut self) {
        // SAFETY: the count reached zero, so `self` was the last pointer:
        // the box, allocated by `new`, is owned here and freed once.
        drop(unsafe { Box::from_raw(self.ptr.as_ptr()) });
    }
}

impl<T> Clone for Shared<T> {
    #[inline(always)]
    fn clone(&self) -> Shared<T> {
        count_up(&self.inner().count);
        Shared {
            ptr: self.ptr,
            _owns: PhantomData,
        }
    }
}

impl<T> Drop for Shared<T> {
    #[inline]
    fn drop(&mut self) {
        if count_down(&self.inner().count) {
            self.drop_slow();
        }
    }
}

/// Adds one to a reference count (of a [`Shared`] or an `Env`). As `Rc`:
/// a count cannot overflow through values in memory, but one can through
/// `mem::forget`; that aborts rather than wrapping to a count that would
/// free a live value.
#[inline(always)]
pub(super) fn count_up(c: &Cell<usize>) {
    let n = c.get();
    if n == usize::MAX {
        std::process::abort();
    }
    c.set(n + 1);
}

/// Takes one from a reference count; true if that was the last reference.
#[inline(always)]
pub(super) fn count_down(c: &Cell<usize>) -> bool {
    let n = c.get() - 1;
    c.set(n);
    n == 0
}

impl<T> Deref for Shared<T> {
    type Target = T;

    #[inline(always)]
    fn deref(&self) -> &T {
        &self.inner().value
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    #[test]
    fn the_value_is_dropped_once_with_the_last_pointer() {
        let token = Rc::new(());
        let a = Shared::new(Rc::clone(&token));
        let b = a.clone();
        assert_eq!(Shared::strong_count(&a), 2);
        assert!(Shared::ptr_eq(&a, &b));
        assert_eq!(Shared::as_ptr(&a), Shared::as_ptr(&b));
        drop(a);
        assert_eq!(Shared::strong_count(&b), 1);
        assert_eq!(Rc::strong_count(&token), 2, "still held");
        drop(b);
        assert_eq!(Rc::strong_count(&token), 1, "dropped with the last");
    }

    #[test]
    fn the_count_is_the_first_word() {
        // `Value`'s count test reads every variant's count at offset 0.
        let a = Shared::new(7u64);
        // SAFETY: the allocation is live (held by `a`) and starts with the
        // count, a `Cell<usize>`, which has `usize`'s layout.
        let first = unsafe { a.ptr.cast::<usize>().read() };
        assert_eq!(first, 1);
        assert_eq!(std::mem::size_of::<SharedBox<[u64; 4]>>(), 40);
    }
}
