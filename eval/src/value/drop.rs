//! Non-recursive destruction of deep value graphs.
//!
//! Dropping the head of a 150,000-element lazy stream would otherwise recurse
//! through `Rc` drops 150,000 frames deep and overflow the native stack (C++
//! Nix has a GC and never frees recursively). Sets, environments and thunk
//! states therefore hand their contents to a thread-local queue when they
//! are dropped while another drop is in progress; the outermost drop drains
//! the queue in a loop.

use std::cell::{Cell, OnceCell, RefCell};

use super::{Attr, Value};

/// Contents whose destruction is postponed. The fields are never read: they
/// are held only to be dropped later, by the drain loop.
#[allow(dead_code)]
pub(super) enum Deferred {
    Attrs(Vec<Attr>),
    Slots(Box<[OnceCell<Value>]>),
    List(Vec<Value>),
    Values(Value, Option<Value>),
}

thread_local! {
    static DROPPING: Cell<bool> = const { Cell::new(false) };
    static QUEUE: RefCell<Vec<Deferred>> = const { RefCell::new(Vec::new()) };
}

/// Drops `d` now if no drop is in progress (draining whatever it queues),
/// or queues it for the outermost drop.
pub(super) fn defer(d: Deferred) {
    if DROPPING.with(Cell::get) {
        QUEUE.with(|q| q.borrow_mut().push(d));
        return;
    }
    DROPPING.with(|f| f.set(true));
    drop(d);
    while let Some(next) = QUEUE.with(|q| q.borrow_mut().pop()) {
        drop(next);
    }
    DROPPING.with(|f| f.set(false));
}
