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

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys as mi;

/// Alignment every mimalloc block has.
const WORD: usize = std::mem::size_of::<usize>();

pub(crate) struct MiMalloc;

// SAFETY: each method forwards to the mimalloc function with the same
// contract; blocks from `mi_malloc`/`mi_zalloc`/`mi_realloc` are aligned to
// at least a word, which is all the layouts routed to them require.
unsafe impl GlobalAlloc for MiMalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
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
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
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
