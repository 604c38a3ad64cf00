//! The global allocator: mimalloc, called without an alignment argument
//! for ordinary (word-aligned) layouts.
//!
//! The `mimalloc` crate's allocator passes every request to
//! `mi_malloc_aligned`. For a block size that is not a power of two (a
//! 48-byte thunk, a 24-byte frame) mimalloc serves that from the size's free
//! list only while the current page has a free block; otherwise it does not
//! trust the size class to be aligned and over-allocates from the next size
//! class up (48 bytes became 64, 40 became 48), going through its slow path
//! each time. Every mimalloc block is at least word aligned, so plain
//! `mi_malloc` is correct for alignments up to 8 bytes; larger alignments
//! keep the aligned calls.
//!
//! Blocks of [`RECYCLED_SIZE`] bytes, the size of a thunk and of a frame
//! with their reference counts, are recycled through a per-thread free list
//! in front of mimalloc (see [`RECYCLED`]): the evaluator frees one of those
//! for almost every one it allocates, and a list push or pop costs a
//! fraction of `mi_free`'s page lookup and ownership check.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::ffi::c_void;

use libmimalloc_sys as mi;

/// Alignment every mimalloc block has.
const WORD: usize = std::mem::size_of::<usize>();

pub(crate) struct MiMalloc;

/// The size of the blocks recycled: an `Rc` of a thunk (`ThunkCell`) or of
/// a frame (`EnvFrame`), both 32 bytes after two counts. Recycling every
/// small size instead saved more instructions but ran the JSON workload 10%
/// slower: blocks handed out last-freed-first scatter what is built together
/// (strings, sets) over many pages, where mimalloc gives them in address
/// order.
const RECYCLED_SIZE: usize = 48;

thread_local! {
    /// The thread's free [`RECYCLED_SIZE`]-byte blocks: the most recently
    /// freed, whose first word holds the next one (null ends the list).
    /// Each came from mimalloc for a layout of that size and at most a
    /// word's alignment, so it serves any such layout and can always be
    /// given back with `mi_free`.
    ///
    /// The list is not bounded: it holds at most what the thread freed,
    /// which was live memory before. A bound needs a count on every
    /// allocation and free, which cost half the gain.
    ///
    /// No destructor (a `thread_local!` with one checks its state on every
    /// access): [`EXIT_GUARD`] gives the blocks back when the thread exits.
    static RECYCLED: Cell<*mut u8> = const { Cell::new(std::ptr::null_mut()) };

    /// Registered (see [`GUARDED`]) the first time the thread finds its list
    /// empty, and then calls mimalloc anyway: its destructor gives the
    /// thread's blocks back to mimalloc when the thread exits. Blocks freed
    /// by the thread's later exit-time destructors stay on the list.
    static EXIT_GUARD: ExitGuard = const { ExitGuard };

    /// Whether [`EXIT_GUARD`] is registered (a plain flag: cheaper to test
    /// than the guard itself).
    static GUARDED: Cell<bool> = const { Cell::new(false) };

    /// Set on the main thread, whose blocks are not given back at exit: the
    /// process is ending, and freeing every block then would only cost time.
    static KEEP_AT_EXIT: Cell<bool> = const { Cell::new(false) };
}

/// See [`EXIT_GUARD`].
struct ExitGuard;

impl Drop for ExitGuard {
    fn drop(&mut self) {
        if KEEP_AT_EXIT.with(Cell::get) {
            return;
        }
        let mut p = RECYCLED.with(|head| head.replace(std::ptr::null_mut()));
        while !p.is_null() {
            // SAFETY: `p` is a block on the list (see `RECYCLED`), used by
            // nothing else; its first word is the next one.
            unsafe {
                let next = p.cast::<*mut u8>().read();
                mi::mi_free(p.cast::<c_void>());
                p = next;
            }
        }
    }
}

/// Keeps the main thread's recycled blocks when it exits (see
/// [`KEEP_AT_EXIT`]); called by `main` first thing.
pub(crate) fn keep_main_thread_blocks_at_exit() {
    KEEP_AT_EXIT.with(|k| k.set(true));
}

/// Registers the thread's [`EXIT_GUARD`].
#[cold]
#[inline(never)]
fn guard_exit() {
    // Fails only while the thread's destructors run, when there is nothing
    // to register any more.
    let _ = EXIT_GUARD.try_with(|_| ());
    GUARDED.with(|g| g.set(true));
}

/// True if blocks of `layout` are recycled.
#[inline(always)]
fn recycled(layout: &Layout) -> bool {
    layout.size() == RECYCLED_SIZE && layout.align() <= WORD
}

/// A recycled block, if the list has one.
#[inline(always)]
fn take() -> Option<*mut u8> {
    RECYCLED.with(|head| {
        let p = head.get();
        if p.is_null() {
            // Going to mimalloc anyway: the time to make sure the thread's
            // exit gives its blocks back.
            if !GUARDED.with(Cell::get) {
                guard_exit();
            }
            return None;
        }
        // SAFETY: `p` is on the list: its first word is the next block.
        head.set(unsafe { p.cast::<*mut u8>().read() });
        Some(p)
    })
}

/// Puts the freed block `p` on the list.
#[inline(always)]
fn keep(p: *mut u8) {
    RECYCLED.with(|head| {
        // SAFETY: `p` is a freed block of RECYCLED_SIZE bytes, word aligned.
        unsafe { p.cast::<*mut u8>().write(head.get()) };
        head.set(p);
    });
}

// SAFETY: each method forwards to the mimalloc function with the same
// contract; blocks from `mi_malloc`/`mi_zalloc`/`mi_realloc` are aligned to
// at least a word, which is all the layouts routed to them require. A
// recycled block was allocated by mimalloc (or `mi_realloc`ed) for a layout
// of the same size and at most a word's alignment, so it serves any such
// layout; it is still a mimalloc block, so `realloc` and `mi_free` accept it.
unsafe impl GlobalAlloc for MiMalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if recycled(&layout)
            && let Some(p) = take()
        {
            return p;
        }
        // SAFETY: see the impl.
        unsafe {
            if layout.align() <= WORD {
                mi::mi_malloc(layout.size()).cast()
            } else {
                mi::mi_malloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: see the impl.
        unsafe {
            if layout.align() <= WORD {
                mi::mi_zalloc(layout.size()).cast()
            } else {
                mi::mi_zalloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if recycled(&layout) {
            keep(ptr);
            return;
        }
        // SAFETY: `ptr` came from this allocator.
        unsafe { mi::mi_free(ptr.cast::<c_void>()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from this allocator with `layout`.
        unsafe {
            if layout.align() <= WORD {
                mi::mi_realloc(ptr.cast::<c_void>(), new_size).cast()
            } else {
                mi::mi_realloc_aligned(ptr.cast::<c_void>(), new_size, layout.align()).cast()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const L48: Layout = match Layout::from_size_align(RECYCLED_SIZE, WORD) {
        Ok(l) => l,
        Err(_) => panic!("bad layout"),
    };

    #[test]
    fn a_freed_48_byte_block_is_handed_out_next() {
        // SAFETY: each block is allocated and freed with the same layout.
        unsafe {
            let a = MiMalloc.alloc(L48);
            assert!(!a.is_null());
            MiMalloc.dealloc(a, L48);
            let b = MiMalloc.alloc(L48);
            assert_eq!(a, b, "the block just freed is reused");
            // Other sizes go to mimalloc.
            let l64 = Layout::from_size_align(64, WORD).expect("a valid layout");
            let c = MiMalloc.alloc(l64);
            MiMalloc.dealloc(c, l64);
            assert!(!recycled(&l64));
            MiMalloc.dealloc(b, L48);
        }
    }

    #[test]
    fn recycled_blocks_never_overlap_live_ones() {
        // Many live 48-byte boxes with distinct contents; free every other
        // one, allocate as many again: no live box is overwritten.
        let mut boxes: Vec<Box<[u64; 6]>> = (0..10_000u64).map(|i| Box::new([i; 6])).collect();
        let mut kept = Vec::new();
        for (i, b) in boxes.drain(..).enumerate() {
            if i % 2 == 0 {
                kept.push(b);
            }
        }
        let fresh: Vec<Box<[u64; 6]>> =
            (0..5_000u64).map(|i| Box::new([u64::MAX - i; 6])).collect();
        for (j, b) in kept.iter().enumerate() {
            assert_eq!(**b, [2 * j as u64; 6]);
        }
        for (i, b) in fresh.iter().enumerate() {
            assert_eq!(**b, [u64::MAX - i as u64; 6]);
        }
    }

    #[test]
    fn a_thread_that_exits_leaves_other_blocks_intact() {
        // A thread frees blocks it did not allocate and exits, its guard
        // handing them to mimalloc: a double free or a use after free would
        // crash mimalloc or show in the contents below. (That the blocks do
        // go back is not observed here.)
        let blocks: Vec<Box<[u64; 6]>> = (0..1_000u64).map(|i| Box::new([i; 6])).collect();
        let left = std::thread::spawn(move || {
            let mut blocks = blocks;
            let mine: Vec<Box<[u64; 6]>> = (0..10u64).map(|i| Box::new([i; 6])).collect();
            blocks.truncate(500);
            blocks.extend(mine);
            blocks
        })
        .join()
        .expect("the thread ran");
        let after: Vec<Box<[u64; 6]>> = (0..2_000u64).map(|i| Box::new([i; 6])).collect();
        for (i, b) in left.iter().take(500).enumerate() {
            assert_eq!(**b, [i as u64; 6]);
        }
        for (i, b) in after.iter().enumerate() {
            assert_eq!(**b, [i as u64; 6]);
        }
    }
}
