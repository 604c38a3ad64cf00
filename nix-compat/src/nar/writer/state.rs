//! What the sync and async NAR writers share: the bytes of every token
//! sequence, and the bookkeeping that rejects invalid or out-of-order entries
//! and detects unfinished children. The writers only move these bytes.

use bstr::BString;

use super::Error;
use crate::nar::{MAGIC, MAX_NAME_LEN, MAX_TARGET_LEN, check_name};
use crate::wire::{ZEROS, padding_len};

/// Appends a padded string.
fn push_str(buf: &mut Vec<u8>, s: &[u8]) {
    buf.extend_from_slice(&(s.len() as u64).to_le_bytes());
    buf.extend_from_slice(s);
    buf.extend_from_slice(&ZEROS[..padding_len(s.len() as u64)]);
}

/// The magic string.
pub(super) fn magic(buf: &mut Vec<u8>) {
    push_str(buf, MAGIC.as_bytes());
}

/// `( type regular [executable ""] contents <len>`: what precedes a file's
/// contents.
pub(super) fn file_header(buf: &mut Vec<u8>, executable: bool, len: u64) {
    push_str(buf, b"(");
    push_str(buf, b"type");
    push_str(buf, b"regular");
    if executable {
        push_str(buf, b"executable");
        push_str(buf, b"");
    }
    push_str(buf, b"contents");
    buf.extend_from_slice(&len.to_le_bytes());
}

/// The padding and `)` after contents of `len` bytes, and the entry's `)` if
/// the file is in a directory.
pub(super) fn file_trailer(buf: &mut Vec<u8>, len: u64, in_entry: bool) {
    buf.extend_from_slice(&ZEROS[..padding_len(len)]);
    node_close(buf, in_entry);
}

/// A whole symlink node (checked with [`check_target`]).
pub(super) fn symlink(buf: &mut Vec<u8>, target: &[u8], in_entry: bool) {
    push_str(buf, b"(");
    push_str(buf, b"type");
    push_str(buf, b"symlink");
    push_str(buf, b"target");
    push_str(buf, target);
    node_close(buf, in_entry);
}

/// `( type directory`.
pub(super) fn directory_header(buf: &mut Vec<u8>) {
    push_str(buf, b"(");
    push_str(buf, b"type");
    push_str(buf, b"directory");
}

/// `entry ( name <name> node`.
pub(super) fn entry_header(buf: &mut Vec<u8>, name: &[u8]) {
    push_str(buf, b"entry");
    push_str(buf, b"(");
    push_str(buf, b"name");
    push_str(buf, name);
    push_str(buf, b"node");
}

/// A node's `)`, and its entry's `)` if it is in a directory.
pub(super) fn node_close(buf: &mut Vec<u8>, in_entry: bool) {
    push_str(buf, b")");
    if in_entry {
        push_str(buf, b")");
    }
}

/// Checks a symlink target: we accept what the readers accept.
pub(super) fn check_target(target: &[u8]) -> Result<(), Error> {
    if target.len() as u64 > MAX_TARGET_LEN {
        return Err(Error::TargetTooLong {
            len: target.len() as u64,
        });
    }
    Ok(())
}

/// Whether the node owning `slot` must also close a directory entry.
pub(super) fn in_entry(slot: &Option<&mut Slot>) -> bool {
    slot.as_ref().is_some_and(|s| s.in_entry)
}

/// Records that the node owning `slot` is complete.
pub(super) fn complete(slot: Option<&mut Slot>) {
    if let Some(slot) = slot {
        slot.pending = false;
        slot.filled = true;
    }
}

/// Where a node reports that it is complete: the writer (for the root) or
/// its directory.
#[derive(Debug, Default)]
pub(super) struct Slot {
    /// A node was handed out and has not completed.
    pending: bool,
    /// The node's completion must also close a directory entry.
    in_entry: bool,
    /// A node completed here.
    filled: bool,
}

impl Slot {
    pub(super) fn root() -> Self {
        Self::default()
    }

    /// Whether a node completed in this slot and none is pending.
    pub(super) fn is_complete(&self) -> bool {
        self.filled && !self.pending
    }

    /// Hands out the root node (once).
    pub(super) fn take_root(&mut self) -> Result<(), Error> {
        if self.pending || self.filled {
            return Err(Error::RootAlreadyWritten);
        }
        self.pending = true;
        Ok(())
    }
}

/// The entries of a directory written so far.
#[derive(Debug)]
pub(super) struct DirState {
    prev_name: Option<BString>,
    /// The slot of the entry being written.
    pub(super) child: Slot,
    closed: bool,
}

impl DirState {
    pub(super) fn new() -> Self {
        Self {
            prev_name: None,
            child: Slot {
                pending: false,
                in_entry: true,
                filled: false,
            },
            closed: false,
        }
    }

    /// Fails if the previous entry's node was not completed.
    pub(super) fn check_idle(&self) -> Result<(), Error> {
        if self.child.pending {
            return Err(Error::UnfinishedEntry {
                name: self.prev_name.clone().unwrap_or_default(),
            });
        }
        if self.closed {
            return Err(Error::DirectoryClosed);
        }
        Ok(())
    }

    /// Checks `name` and that it comes after the previous entry, then marks
    /// the entry as pending; the caller then writes [`entry_header`].
    pub(super) fn begin_entry(&mut self, name: &[u8]) -> Result<(), Error> {
        self.check_idle()?;
        if let Err(problem) = check_name(name) {
            return Err(Error::InvalidName {
                name: name.into(),
                problem,
            });
        }
        if name.len() as u64 > MAX_NAME_LEN {
            return Err(Error::NameTooLong {
                len: name.len() as u64,
            });
        }
        if let Some(prev) = &self.prev_name {
            if name <= prev.as_slice() {
                return Err(Error::NotSorted {
                    prev: prev.clone(),
                    name: name.into(),
                });
            }
        }
        self.prev_name = Some(name.into());
        self.child.pending = true;
        Ok(())
    }

    /// Checks the directory may be closed, and marks it closed.
    pub(super) fn close(&mut self) -> Result<(), Error> {
        self.check_idle()?;
        self.closed = true;
        Ok(())
    }
}
