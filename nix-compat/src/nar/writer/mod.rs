//! Streaming NAR writers over [`std::io::Write`] (and tokio's `AsyncWrite` in
//! `r#async`, feature `async`).
//!
//! A writer only produces valid NARs. [`Writer::root`] (or [`open`]) gives the
//! root [`Node`], which becomes exactly one of:
//! - a symlink ([`Node::symlink`]);
//! - a file, streamed from a reader ([`Node::file`]) or written by the caller
//!   through a [`FileWriter`] ([`Node::file_writer`]); either way the contents
//!   must have exactly the announced size;
//! - a directory ([`Node::directory`]), whose [`Directory::entry`] gives the
//!   node of each entry, and whose [`Directory::close`] ends it.
//!
//! ```
//! # fn main() -> Result<(), nix_compat::nar::writer::Error> {
//! use nix_compat::nar::writer::Writer;
//! let mut nar = Writer::new(Vec::new());
//! let mut dir = nar.root()?.directory()?;
//! dir.entry(b"hello.txt")?.file(false, 5, &mut &b"hello"[..])?;
//! dir.entry(b"link")?.symlink(b"hello.txt")?;
//! dir.close()?;
//! let bytes: Vec<u8> = nar.finish()?;
//! # Ok(()) }
//! ```
//!
//! Mistakes are errors in every build, never silent corruption: an invalid
//! entry name, entries not in strictly ascending byte order (which includes
//! duplicates), contents longer or shorter than announced, or a new entry (or
//! `close`) while the previous entry's node is unfinished (its handle was
//! dropped, or failed). [`Writer::finish`] fails if the root is incomplete.
//! After an I/O error the output is unusable; the writer refuses to go on.
//!
//! Writes are issued per token group (one write for a node's header, one for
//! its trailer), so an unbuffered writer sees few calls; contents pass through
//! as given.

mod state;

pub mod events;

#[cfg(feature = "async")]
pub mod r#async;

use std::io::{self, Read, Write};

use bstr::BString;

use crate::nar::{MAX_NAME_LEN, MAX_TARGET_LEN, NameProblem};
use state::{DirState, Slot, complete, in_entry};

/// What can go wrong writing a NAR.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The underlying writer (or a contents reader) failed.
    #[error(transparent)]
    Io(#[from] io::Error),
    /// An entry name that is empty, `.`, `..`, or contains `/` or NUL.
    #[error("invalid NAR entry name '{name}': {problem}")]
    InvalidName {
        /// The name.
        name: BString,
        /// Why it is invalid.
        problem: NameProblem,
    },
    /// An entry name longer than [`MAX_NAME_LEN`].
    #[error("NAR entry name of {len} bytes is longer than the maximum of {MAX_NAME_LEN}")]
    NameTooLong {
        /// Its length.
        len: u64,
    },
    /// A symlink target longer than [`MAX_TARGET_LEN`].
    #[error("symlink target of {len} bytes is longer than the maximum of {MAX_TARGET_LEN}")]
    TargetTooLong {
        /// Its length.
        len: u64,
    },
    /// An entry not strictly after the previous one in byte order.
    #[error("NAR entry '{name}' must come after '{prev}': entries must be unique and sorted")]
    NotSorted {
        /// The previous entry's name.
        prev: BString,
        /// This entry's name.
        name: BString,
    },
    /// The contents ended before the announced size.
    #[error("file contents have {got} bytes, fewer than the {expected} announced")]
    ShortContents {
        /// The announced size.
        expected: u64,
        /// The bytes provided.
        got: u64,
    },
    /// The contents go on past the announced size.
    #[error("file contents are longer than the {expected} bytes announced")]
    LongContents {
        /// The announced size.
        expected: u64,
    },
    /// A new entry, or closing the directory, while the previous entry's node
    /// was not completed (dropped, or failed).
    #[error("the node of NAR entry '{name}' was not completely written")]
    UnfinishedEntry {
        /// The entry's name.
        name: BString,
    },
    /// The directory was already closed.
    #[error("the NAR directory was already closed")]
    DirectoryClosed,
    /// [`Writer::root`] was called twice.
    #[error("the root of the NAR was already written")]
    RootAlreadyWritten,
    /// [`Writer::finish`] before the root node was complete.
    #[error("the NAR is incomplete: its root node was not completely written")]
    Unfinished,
}

/// Writes one NAR to `W`, checking at the end that it is complete.
#[derive(Debug)]
#[must_use = "call finish() to check the NAR is complete"]
pub struct Writer<W> {
    w: W,
    slot: Slot,
}

impl<W: Write> Writer<W> {
    /// A writer for one NAR.
    pub fn new(w: W) -> Self {
        Self {
            w,
            slot: Slot::root(),
        }
    }

    /// Writes the magic string and returns the root node. Only once.
    pub fn root(&mut self) -> Result<Node<'_, W>, Error> {
        self.slot.take_root()?;
        let mut buf = Vec::with_capacity(24);
        state::magic(&mut buf);
        self.w.write_all(&buf)?;
        Ok(Node {
            w: &mut self.w,
            slot: Some(&mut self.slot),
        })
    }

    /// Checks that the root node is complete, flushes, and returns the
    /// underlying writer.
    pub fn finish(mut self) -> Result<W, Error> {
        if !self.slot.is_complete() {
            return Err(Error::Unfinished);
        }
        self.w.flush()?;
        Ok(self.w)
    }

    /// The underlying writer.
    pub fn get_ref(&self) -> &W {
        &self.w
    }
}

/// Writes the magic string to `w` and returns the root node. Nothing checks
/// that the root is completed; [`Writer`] does.
pub fn open<W: Write>(w: &mut W) -> Result<Node<'_, W>, Error> {
    let mut buf = Vec::with_capacity(24);
    state::magic(&mut buf);
    w.write_all(&buf)?;
    Ok(Node { w, slot: None })
}

/// A node to be written: exactly one of its methods must be called.
#[derive(Debug)]
#[must_use = "a NAR node must be written"]
pub struct Node<'a, W> {
    w: &'a mut W,
    slot: Option<&'a mut Slot>,
}

impl<'a, W: Write> Node<'a, W> {
    /// Writes a symlink to `target`.
    pub fn symlink(self, target: &[u8]) -> Result<(), Error> {
        state::check_target(target)?;
        let mut buf = Vec::with_capacity(128 + target.len());
        state::symlink(&mut buf, target, in_entry(&self.slot));
        self.w.write_all(&buf)?;
        complete(self.slot);
        Ok(())
    }

    /// Writes a file of `size` bytes read from `reader`, which must hold
    /// exactly that many (it is read up to one byte further to check).
    pub fn file<R: Read + ?Sized>(
        self,
        executable: bool,
        size: u64,
        reader: &mut R,
    ) -> Result<(), Error> {
        let mut out = self.file_writer(executable, size)?;
        let copied = io::copy(&mut Read::take(&mut *reader, size), &mut out)?;
        if copied < size {
            return Err(Error::ShortContents {
                expected: size,
                got: copied,
            });
        }
        let mut probe = [0u8; 1];
        loop {
            match reader.read(&mut probe) {
                Ok(0) => break,
                Ok(_) => return Err(Error::LongContents { expected: size }),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
        out.close()
    }

    /// Writes the header of a file of `size` bytes; the caller writes the
    /// contents to the returned [`FileWriter`] and closes it.
    pub fn file_writer(self, executable: bool, size: u64) -> Result<FileWriter<'a, W>, Error> {
        let mut buf = Vec::with_capacity(128);
        state::file_header(&mut buf, executable, size);
        self.w.write_all(&buf)?;
        Ok(FileWriter {
            w: self.w,
            slot: self.slot,
            len: size,
            remaining: size,
        })
    }

    /// Writes the header of a directory, whose entries follow.
    pub fn directory(self) -> Result<Directory<'a, W>, Error> {
        let mut buf = Vec::with_capacity(72);
        state::directory_header(&mut buf);
        self.w.write_all(&buf)?;
        Ok(Directory {
            w: self.w,
            slot: self.slot,
            state: DirState::new(),
        })
    }
}

/// The contents of a file being written: exactly the announced number of
/// bytes must be written, then [`FileWriter::close`] called.
#[derive(Debug)]
#[must_use = "call close() to end the file"]
pub struct FileWriter<'a, W> {
    w: &'a mut W,
    slot: Option<&'a mut Slot>,
    len: u64,
    remaining: u64,
}

impl<W: Write> FileWriter<'_, W> {
    /// Bytes still to be written.
    pub fn remaining(&self) -> u64 {
        self.remaining
    }

    /// Ends the file; fails if fewer bytes than announced were written.
    pub fn close(self) -> Result<(), Error> {
        if self.remaining > 0 {
            return Err(Error::ShortContents {
                expected: self.len,
                got: self.len - self.remaining,
            });
        }
        let mut buf = Vec::with_capacity(24);
        state::file_trailer(&mut buf, self.len, in_entry(&self.slot));
        self.w.write_all(&buf)?;
        complete(self.slot);
        Ok(())
    }
}

impl<W: Write> Write for FileWriter<'_, W> {
    /// Fails with [`io::ErrorKind::InvalidInput`] (writing nothing) if `buf`
    /// goes past the announced size.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.len() as u64 > self.remaining {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                Error::LongContents { expected: self.len },
            ));
        }
        let n = self.w.write(buf)?;
        self.remaining -= n as u64;
        Ok(n)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        if buf.len() as u64 > self.remaining {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                Error::LongContents { expected: self.len },
            ));
        }
        self.w.write_all(buf)?;
        self.remaining -= buf.len() as u64;
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}

/// A directory being written: [`Directory::entry`] for each entry in strictly
/// ascending byte order of names, then [`Directory::close`].
#[derive(Debug)]
#[must_use = "call close() to end the directory"]
pub struct Directory<'a, W> {
    w: &'a mut W,
    slot: Option<&'a mut Slot>,
    state: DirState,
}

impl<W: Write> Directory<'_, W> {
    /// Starts the entry `name` and returns its node, which must be written
    /// before the next entry or `close`.
    pub fn entry(&mut self, name: &[u8]) -> Result<Node<'_, W>, Error> {
        self.state.begin_entry(name)?;
        let mut buf = Vec::with_capacity(96 + name.len());
        state::entry_header(&mut buf, name);
        self.w.write_all(&buf)?;
        Ok(Node {
            w: &mut *self.w,
            slot: Some(&mut self.state.child),
        })
    }

    /// Ends the directory.
    pub fn close(mut self) -> Result<(), Error> {
        self.state.close()?;
        let mut buf = Vec::with_capacity(32);
        state::node_close(&mut buf, in_entry(&self.slot));
        self.w.write_all(&buf)?;
        complete(self.slot);
        Ok(())
    }
}

#[cfg(test)]
mod tests;
