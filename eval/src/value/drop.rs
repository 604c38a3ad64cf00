//! Non-recursive destruction of deep value graphs.
//!
//! Dropping the head of a 150,000-element lazy stream would otherwise recurse
//! through `Rc` drops 150,000 frames deep and overflow the native stack (C++
//! Nix has a GC and never frees recursively). Sets, environments, lists and
//! thunk states therefore drop their contents through [`defer`]: up to
//! [`MAX_NESTING`] of these drops nest natively (the common, shallow case
//! costs one thread-local counter); deeper ones are queued, and the
//! outermost drop drains the queue in a loop.

use std::cell::{Cell, RefCell};

use super::{Attr, Value, env::Block};

/// Contents whose destruction is postponed. The fields are never read: they
/// are held only to be dropped later, by the drain loop.
#[allow(dead_code)]
pub(super) enum Deferred {
    Attrs(Box<[Attr]>),
    Frame(Block),
    List(Vec<Value>),
    Values(Value, Option<Value>),
}

/// How many [`defer`] drops may nest on the native stack before the inner
/// ones are queued. Each level is a few `drop_in_place` frames (well under
/// 1 KiB); 64 levels stay far inside the evaluator's 256 KiB red zone.
const MAX_NESTING: u32 = 64;

thread_local! {
    static NESTING: Cell<u32> = const { Cell::new(0) };
    static QUEUED: Cell<bool> = const { Cell::new(false) };
    static QUEUE: RefCell<Vec<Deferred>> = const { RefCell::new(Vec::new()) };
}

/// Drops `d` now, unless [`MAX_NESTING`] drops are already in progress
/// (then it is queued for the outermost one, which drains the queue).
#[inline]
pub(super) fn defer(d: Deferred) {
    let nesting = NESTING.get();
    if nesting >= MAX_NESTING {
        QUEUE.with(|q| q.borrow_mut().push(d));
        QUEUED.set(true);
        return;
    }
    NESTING.set(nesting + 1);
    drop(d);
    if nesting == 0 && QUEUED.get() {
        drain();
    }
    NESTING.set(nesting);
}

/// Drops everything queued (and whatever that queues in turn). Runs at
/// nesting level 1, so each queued item again gets the full native budget.
#[cold]
fn drain() {
    while let Some(next) = QUEUE.with(|q| q.borrow_mut().pop()) {
        drop(next);
    }
    QUEUED.set(false);
}
