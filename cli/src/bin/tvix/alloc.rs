//! The global allocator: mimalloc, called without an alignment argument
//! for ordinary (word-aligned) layouts.
//!
//! The `mimalloc` crate's allocator passes every request to
//! `mi_malloc_aligned`. For a block size that is not a power of two (a
//! 40-byte thunk, a 24-byte frame) mimalloc serves that from the size's free
//! list only while the current page has a free block; otherwise it does not
//! trust the size class to be aligned and over-allocates from the next size
//! class up (48 bytes became 64, 40 became 48), going through its slow path
//! each time. Every mimalloc block is at least word aligned, so plain
//! `mi_malloc` is correct for alignments up to 8 bytes; larger alignments
//! keep the aligned calls.
//!
//! Blocks of [`RECYCLED_SIZE`] bytes, the size of a thunk and of a frame
//! with their reference count, do not go to mimalloc at all. A thread
//! hands out the one it freed last (a per-thread free list, see
//! [`RECYCLED`]), and otherwise carves fresh ones off a [`CHUNK_SIZE`]
//! chunk (see [`BUMP`]), [`BATCH`] at a time onto the list: the evaluator
//! frees one of those for almost every one it allocates, and a list push or
//! pop costs a fraction of mimalloc's page lookups. Blocks handed out in a
//! row from a chunk are adjacent, as the thunks of one set or list are
//! built.
//!
//! On Linux a chunk is one transparent huge page (`madvise(MADV_HUGEPAGE)`,
//! from a thread's second chunk on): the thunks and frames of a large
//! evaluation take one page fault per 2 MiB instead of one per 4 KiB, and
//! fewer TLB entries. mimalloc's own memory keeps small pages (its `no_thp`
//! feature, see the workspace's Cargo.toml: with huge pages over its whole
//! arenas, which it decommits and recommits, some workloads spent 40% of
//! their time zeroing pages in the kernel).
//!
//! Such a block is never given back to mimalloc (a chunk's interior is no
//! mimalloc block, and a huge page's chunk is mapped directly). A thread
//! that exits leaves its free list and the rest of its chunk to the others
//! (see [`ORPHANS`]); the main thread, at exit, leaves them to the
//! process's end.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::ffi::c_void;
use std::sync::Mutex;

use libmimalloc_sys as mi;

/// Alignment every mimalloc block has.
const WORD: usize = std::mem::size_of::<usize>();

pub(crate) struct MiMalloc;

/// The size of the blocks recycled: a thunk (`ThunkCell`, 32 bytes after
/// one count: tvix-eval's `Shared`, an `Rc` without the weak count) or a
/// one-slot frame (tvix-eval's `Env`: count, parent, length and a slot).
/// A set's, a list's, a closure's and a partial application's `Rc` are
/// 40 bytes too. Recycling every
/// small size instead saved more instructions but ran the JSON workload 10%
/// slower: blocks handed out last-freed-first scatter what is built together
/// (strings, sets) over many pages, where mimalloc gives them in address
/// order.
const RECYCLED_SIZE: usize = 40;

/// The size and alignment of the chunks fresh [`RECYCLED_SIZE`] blocks are
/// carved from: a transparent huge page.
const HUGE_PAGE: usize = 2 << 20;

/// The blocks of a chunk (a whole number of them).
const CHUNK_SIZE: usize = HUGE_PAGE / RECYCLED_SIZE * RECYCLED_SIZE;

/// A thread's first chunk: small pages, so that a thread that needs a few
/// blocks (a runtime worker, a short evaluation) does not make a huge page
/// resident.
const FIRST_CHUNK_SIZE: usize = (64 << 10) / RECYCLED_SIZE * RECYCLED_SIZE;

/// An empty rest of a chunk (see [`BUMP`]).
const NO_CHUNK: (*mut u8, *mut u8) = (std::ptr::null_mut(), std::ptr::null_mut());

thread_local! {
    /// The thread's free [`RECYCLED_SIZE`]-byte blocks: the most recently
    /// freed, whose first word holds the next one (null ends the list).
    /// Each is word aligned and at least that large, so it serves any
    /// layout of that size and at most a word's alignment.
    ///
    /// The list is not bounded: it holds at most what the thread freed,
    /// which was live memory before. A bound needs a count on every
    /// allocation and free, which cost half the gain.
    ///
    /// No destructor (a `thread_local!` with one checks its state on every
    /// access): [`EXIT_GUARD`] hands the blocks on when the thread exits.
    static RECYCLED: Cell<*mut u8> = const { Cell::new(std::ptr::null_mut()) };

    /// The untouched rest of the thread's chunk: the next block and the
    /// chunk's end (equal when it is used up). A whole number of blocks.
    static BUMP: Cell<(*mut u8, *mut u8)> = const { Cell::new(NO_CHUNK) };

    /// Registered (see [`GUARDED`]) the first time the thread needs a chunk:
    /// its destructor leaves the thread's free list and the rest of its
    /// chunk to the other threads (see [`ORPHANS`]). Blocks freed by the
    /// thread's later exit-time destructors stay on its list, unused.
    static EXIT_GUARD: ExitGuard = const { ExitGuard };

    /// Whether [`EXIT_GUARD`] is registered (a plain flag: cheaper to test
    /// than the guard itself).
    static GUARDED: Cell<bool> = const { Cell::new(false) };

    /// Set on the main thread, whose blocks are not handed on at exit: the
    /// process is ending.
    static KEEP_AT_EXIT: Cell<bool> = const { Cell::new(false) };
}

/// What exited threads left: a stack of records (the address of the top
/// one, 0 when empty), each in one of the blocks it hands on (see
/// [`Orphan`]). A thread that needs a chunk takes a record first. Only
/// pointers are exchanged under the lock; nothing is allocated.
static ORPHANS: Mutex<usize> = Mutex::new(0);

/// A record on [`ORPHANS`], written into a free block of the thread that
/// exited: its free list and the rest of its chunk.
#[repr(C)]
struct Orphan {
    /// The record below this one (0 at the bottom).
    below: usize,
    list: *mut u8,
    next: *mut u8,
    end: *mut u8,
}

const _: () = assert!(std::mem::size_of::<Orphan>() <= RECYCLED_SIZE);

/// See [`EXIT_GUARD`].
struct ExitGuard;

impl Drop for ExitGuard {
    fn drop(&mut self) {
        if KEEP_AT_EXIT.with(Cell::get) {
            return;
        }
        let list = RECYCLED.with(|head| head.replace(std::ptr::null_mut()));
        let (next, end) = BUMP.with(|b| b.replace(NO_CHUNK));
        // The record goes into a block of the list, or else of the chunk.
        let (record, list, next) = if !list.is_null() {
            // SAFETY: `list` is a block on the list: its first word is the
            // next one.
            (list, unsafe { list.cast::<*mut u8>().read() }, next)
        } else if next != end {
            // SAFETY: the chunk's rest is a whole number of blocks.
            (next, list, unsafe { next.add(RECYCLED_SIZE) })
        } else {
            return;
        };
        let mut top = ORPHANS.lock().unwrap_or_else(|e| e.into_inner());
        let orphan = Orphan {
            below: *top,
            list,
            next,
            end,
        };
        // SAFETY: `record` is a free block of RECYCLED_SIZE bytes, word
        // aligned, used by nothing else.
        unsafe { record.cast::<Orphan>().write(orphan) };
        *top = record as usize;
    }
}

/// Keeps the main thread's blocks when it exits (see [`KEEP_AT_EXIT`]);
/// called by `main` first thing.
pub(crate) fn keep_main_thread_blocks_at_exit() {
    KEEP_AT_EXIT.with(|k| k.set(true));
}

/// True if blocks of `layout` are recycled.
#[inline(always)]
fn recycled(layout: &Layout) -> bool {
    layout.size() == RECYCLED_SIZE && layout.align() <= WORD
}

/// A [`RECYCLED_SIZE`] block: the last one the thread freed, else the next
/// one of its chunk. Null if memory is exhausted. Only the list's pop is
/// inline at every allocation of a thunk or frame; the chunk's path is out
/// of line (inline, its code at every such allocation made evalModules'
/// instruction-cache misses 25% more).
#[inline(always)]
fn take() -> *mut u8 {
    let p = RECYCLED.with(Cell::get);
    if !p.is_null() {
        // SAFETY: `p` is on the list: its first word is the next block.
        RECYCLED.with(|head| head.set(unsafe { p.cast::<*mut u8>().read() }));
        return p;
    }
    take_fresh()
}

/// How many blocks [`take_fresh`] carves off the chunk at once.
const BATCH: usize = 32;

/// [`take`] for a thread whose list is empty: the next block of its chunk,
/// with the [`BATCH`] - 1 after it put on the list in address order, so
/// that the next allocations pop them. While the evaluator builds more than
/// it frees, [`take`]'s test of the list is then false once per batch
/// instead of alternating unpredictably, and a block costs a pop instead of
/// a call.
#[inline(never)]
fn take_fresh() -> *mut u8 {
    let (next, end) = BUMP.with(Cell::get);
    if next == end {
        return refill();
    }
    // SAFETY: the chunk's rest is a whole number of blocks, so the batch
    // (at most that rest) lies inside it; each of its blocks after the
    // first is word aligned and unused, and gets the address of the one
    // after it (the last one null: the list was empty).
    unsafe {
        let left = (end as usize - next as usize) / RECYCLED_SIZE;
        let after = next.add(BATCH.min(left) * RECYCLED_SIZE);
        let second = next.add(RECYCLED_SIZE);
        if second != after {
            let mut p = second;
            while p != after {
                let q = p.add(RECYCLED_SIZE);
                p.cast::<*mut u8>()
                    .write(if q == after { std::ptr::null_mut() } else { q });
                p = q;
            }
            RECYCLED.with(|head| head.set(second));
        }
        BUMP.with(|b| b.set((after, end)));
    }
    next
}

/// [`take`] for a thread whose list and chunk are empty: a record of an
/// exited thread if there is one, else a new chunk.
#[cold]
#[inline(never)]
fn refill() -> *mut u8 {
    let first = !GUARDED.with(Cell::get);
    if first {
        // Fails only while the thread's destructors run; its blocks then
        // stay unused.
        let _ = EXIT_GUARD.try_with(|_| ());
        GUARDED.with(|g| g.set(true));
    }
    let orphan = {
        let mut top = ORPHANS.lock().unwrap_or_else(|e| e.into_inner());
        let record = *top as *mut Orphan;
        if record.is_null() {
            None
        } else {
            // SAFETY: `record` is the top record, written by an exited
            // thread's guard and owned by the stack, now by this thread.
            let o = unsafe { record.read() };
            *top = o.below;
            Some((record.cast::<u8>(), o))
        }
    };
    let (block, list, next, end) = match orphan {
        // The record's own block is handed out.
        Some((record, o)) => (record, o.list, o.next, o.end),
        None => {
            let (chunk, size) = if first {
                // SAFETY: a plain allocation; a word's alignment is all
                // the blocks need.
                let c = unsafe { mi::mi_malloc(FIRST_CHUNK_SIZE) }.cast::<u8>();
                (c, FIRST_CHUNK_SIZE)
            } else {
                (huge_page_chunk(), CHUNK_SIZE)
            };
            if chunk.is_null() {
                return chunk;
            }
            // SAFETY: the chunk holds `size` bytes, a whole number of
            // blocks.
            let (second, end) = unsafe { (chunk.add(RECYCLED_SIZE), chunk.add(size)) };
            (chunk, std::ptr::null_mut(), second, end)
        }
    };
    RECYCLED.with(|head| head.set(list));
    BUMP.with(|b| b.set((next, end)));
    block
}

/// A [`HUGE_PAGE`]-aligned chunk of [`HUGE_PAGE`] bytes; null if memory is
/// exhausted.
///
/// On Linux it is mapped directly (mimalloc allocates such a block with a
/// segment of its own, whose bookkeeping made evaluating nixpkgs'
/// `lib/tests/misc.nix` 9 MiB larger) and advised to be backed by a
/// transparent huge page. That is only advice: where the kernel gives no
/// huge pages (THP off, or no free 2 MiB frame) the chunk keeps small ones.
#[cfg(target_os = "linux")]
fn huge_page_chunk() -> *mut u8 {
    // Twice the size, then the unaligned ends unmapped.
    let span = 2 * HUGE_PAGE;
    // SAFETY: a new private anonymous mapping; the ranges unmapped and
    // advised below lie inside it and are used by nothing else.
    unsafe {
        let p = libc::mmap(
            std::ptr::null_mut(),
            span,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        );
        if p == libc::MAP_FAILED {
            return std::ptr::null_mut();
        }
        let p = p.cast::<u8>();
        let head = p.align_offset(HUGE_PAGE);
        let chunk = p.add(head);
        if head > 0 {
            libc::munmap(p.cast(), head);
        }
        libc::munmap(chunk.add(HUGE_PAGE).cast(), span - head - HUGE_PAGE);
        libc::madvise(chunk.cast(), HUGE_PAGE, libc::MADV_HUGEPAGE);
        chunk
    }
}

/// A [`HUGE_PAGE`]-aligned chunk of [`HUGE_PAGE`] bytes, from mimalloc;
/// null if memory is exhausted.
#[cfg(not(target_os = "linux"))]
fn huge_page_chunk() -> *mut u8 {
    // SAFETY: a plain allocation.
    unsafe { mi::mi_malloc_aligned(HUGE_PAGE, HUGE_PAGE) }.cast()
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
// recycled block (see the module's doc) is word aligned and at least
// RECYCLED_SIZE bytes large, so it serves any layout of that size and at
// most a word's alignment; it may be no mimalloc block, so `dealloc` and
// `realloc` never pass one to mimalloc.
unsafe impl GlobalAlloc for MiMalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if recycled(&layout) {
            return take();
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
        // SAFETY: `ptr` came from this allocator, and not from `take`.
        unsafe { mi::mi_free(ptr.cast::<c_void>()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if recycled(&layout) {
            // Possibly a chunk's block: moved by hand.
            // SAFETY: `new_size` with `layout`'s alignment is a valid layout
            // (the caller's contract); `ptr` holds RECYCLED_SIZE bytes and
            // the new block `new_size`, and they are distinct blocks.
            unsafe {
                let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
                let q = self.alloc(new_layout);
                if !q.is_null() {
                    std::ptr::copy_nonoverlapping(ptr, q, new_size.min(RECYCLED_SIZE));
                    self.dealloc(ptr, layout);
                }
                return q;
            }
        }
        // SAFETY: `ptr` came from this allocator with `layout`, and not
        // from `take`.
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

    /// A recycled block's size in words, and a box that takes one.
    const WORDS: usize = RECYCLED_SIZE / WORD;
    type Block = [u64; WORDS];

    const BLOCK: Layout = match Layout::from_size_align(RECYCLED_SIZE, WORD) {
        Ok(l) => l,
        Err(_) => panic!("bad layout"),
    };

    #[test]
    fn a_freed_block_is_handed_out_next() {
        // SAFETY: each block is allocated and freed with the same layout.
        unsafe {
            let a = MiMalloc.alloc(BLOCK);
            assert!(!a.is_null());
            MiMalloc.dealloc(a, BLOCK);
            let b = MiMalloc.alloc(BLOCK);
            assert_eq!(a, b, "the block just freed is reused");
            // Other sizes go to mimalloc.
            let l64 = Layout::from_size_align(64, WORD).expect("a valid layout");
            let c = MiMalloc.alloc(l64);
            MiMalloc.dealloc(c, l64);
            assert!(!recycled(&l64));
            MiMalloc.dealloc(b, BLOCK);
        }
    }

    #[test]
    fn a_chunk_is_handed_out_in_address_order_up_to_its_end() {
        // A thread given a chunk of BATCH + 5 blocks (and an empty list)
        // carves a batch onto its list, takes the blocks one after the
        // other, each once, across the batch's end, and then stops at the
        // chunk's end.
        const N: usize = BATCH + 5;
        let (offsets, after_first, list_left, chunk_left) = std::thread::spawn(|| {
            let mut buf = vec![0u64; N * RECYCLED_SIZE / WORD];
            let start = buf.as_mut_ptr().cast::<u8>();
            let at = |p: *mut u8| (p as usize).wrapping_sub(start as usize);
            // SAFETY: the chunk is `buf`, N whole blocks, used by nothing
            // else while the thread-locals hold it; they are emptied (and
            // nothing allocated) before it is freed, so no block of it
            // outlives this closure.
            unsafe {
                RECYCLED.with(|h| h.set(std::ptr::null_mut()));
                BUMP.with(|b| b.set((start, start.add(N * RECYCLED_SIZE))));
                let mut offsets = [0usize; N];
                offsets[0] = at(take());
                let after_first = (at(RECYCLED.with(Cell::get)), at(BUMP.with(Cell::get).0));
                for o in offsets.iter_mut().skip(1) {
                    *o = at(take());
                }
                let list_left = !RECYCLED.with(Cell::get).is_null();
                let (next, end) = BUMP.with(|b| b.replace(NO_CHUNK));
                RECYCLED.with(|h| h.set(std::ptr::null_mut()));
                drop(buf);
                (offsets, after_first, list_left, next != end)
            }
        })
        .join()
        .expect("the thread ran");
        let expected: Vec<usize> = (0..N).map(|i| i * RECYCLED_SIZE).collect();
        assert_eq!(offsets.to_vec(), expected);
        // After the first block, the rest of its batch was on the list.
        assert_eq!(after_first, (RECYCLED_SIZE, BATCH * RECYCLED_SIZE));
        assert!(!list_left, "the list is used up");
        assert!(!chunk_left, "the chunk is used up");
    }

    #[test]
    fn recycled_blocks_never_overlap_live_ones() {
        // Many live boxes of a recycled block's size with distinct
        // contents; free every other one, allocate as many again: no live
        // box is overwritten.
        let mut boxes: Vec<Box<Block>> = (0..10_000u64).map(|i| Box::new([i; WORDS])).collect();
        let mut kept = Vec::new();
        for (i, b) in boxes.drain(..).enumerate() {
            if i % 2 == 0 {
                kept.push(b);
            }
        }
        let fresh: Vec<Box<Block>> = (0..5_000u64)
            .map(|i| Box::new([u64::MAX - i; WORDS]))
            .collect();
        for (j, b) in kept.iter().enumerate() {
            assert_eq!(**b, [2 * j as u64; WORDS]);
        }
        for (i, b) in fresh.iter().enumerate() {
            assert_eq!(**b, [u64::MAX - i as u64; WORDS]);
        }
    }

    #[test]
    fn a_thread_that_exits_leaves_other_blocks_intact() {
        // A thread frees blocks it did not allocate and exits, its guard
        // leaving them to the other threads: a block handed out twice would
        // show in the contents below.
        let blocks: Vec<Box<Block>> = (0..1_000u64).map(|i| Box::new([i; WORDS])).collect();
        let left = std::thread::spawn(move || {
            let mut blocks = blocks;
            let mine: Vec<Box<Block>> = (0..10u64).map(|i| Box::new([i; WORDS])).collect();
            blocks.truncate(500);
            blocks.extend(mine);
            blocks
        })
        .join()
        .expect("the thread ran");
        let after: Vec<Box<Block>> = (0..2_000u64).map(|i| Box::new([i; WORDS])).collect();
        for (i, b) in left.iter().take(500).enumerate() {
            assert_eq!(**b, [i as u64; WORDS]);
        }
        for (i, b) in after.iter().enumerate() {
            assert_eq!(**b, [i as u64; WORDS]);
        }
    }

    #[test]
    fn realloc_moves_a_recycled_block() {
        // SAFETY: each block is reallocated and freed with its current
        // layout, and read only within its size.
        unsafe {
            let a = MiMalloc.alloc(BLOCK);
            for i in 0..RECYCLED_SIZE {
                a.add(i).write(i as u8);
            }
            let grown = MiMalloc.realloc(a, BLOCK, 100);
            let l100 = Layout::from_size_align(100, WORD).expect("a valid layout");
            for i in 0..RECYCLED_SIZE {
                assert_eq!(grown.add(i).read(), i as u8);
            }
            let back = MiMalloc.realloc(grown, l100, RECYCLED_SIZE);
            for i in 0..RECYCLED_SIZE {
                assert_eq!(back.add(i).read(), i as u8);
            }
            let shrunk = MiMalloc.realloc(back, BLOCK, 16);
            for i in 0..16 {
                assert_eq!(shrunk.add(i).read(), i as u8);
            }
            let l16 = Layout::from_size_align(16, WORD).expect("a valid layout");
            MiMalloc.dealloc(shrunk, l16);
        }
    }

    #[test]
    fn exited_threads_blocks_are_handed_out_once() {
        // Threads allocate, free most of it and exit, leaving their lists
        // and chunks behind; another thread then takes them up. Every live
        // block must be distinct and keep its contents.
        let mut live: Vec<Box<Block>> = Vec::new();
        for t in 0..8u64 {
            let kept = std::thread::spawn(move || {
                let mut all: Vec<Box<Block>> = (0..5_000u64)
                    .map(|i| Box::new([t << 32 | i; WORDS]))
                    .collect();
                all.truncate(1_000);
                all
            })
            .join()
            .expect("the thread ran");
            live.extend(kept);
        }
        let fresh = std::thread::spawn(|| {
            (0..100_000u64)
                .map(|i| Box::new([u64::MAX - i; WORDS]))
                .collect::<Vec<_>>()
        })
        .join()
        .expect("the thread ran");
        let mut seen = std::collections::HashSet::new();
        for b in live.iter().chain(fresh.iter()) {
            assert!(
                seen.insert(&**b as *const Block),
                "a block handed out twice"
            );
        }
        for (n, b) in live.iter().enumerate() {
            let (t, i) = (n as u64 / 1_000, n as u64 % 1_000);
            assert_eq!(**b, [t << 32 | i; WORDS]);
        }
        for (i, b) in fresh.iter().enumerate() {
            assert_eq!(**b, [u64::MAX - i as u64; WORDS]);
        }
    }
}
