//! A streaming, pull-based NAR reader over [`std::io::BufRead`].
//!
//! [`open`] (or [`Reader::root`]) reads the header of the root node and returns
//! a [`Node`]: a symlink with its target, a file with a [`FileReader`] over its
//! contents, or a directory with a [`DirReader`] whose [`DirReader::next`] yields
//! the entries in order. File contents are streamed, never buffered whole.
//!
//! ```
//! # use nix_compat::nar::reader::{self, Node};
//! # fn walk(node: Node<'_, &[u8]>) -> Result<(), Box<dyn std::error::Error>> {
//! match node {
//!     Node::Symlink { target } => println!("-> {target}"),
//!     Node::File { executable, mut reader } => {
//!         let mut contents = Vec::new();
//!         std::io::Read::read_to_end(&mut reader, &mut contents)?;
//!     }
//!     Node::Directory(mut dir) => {
//!         while let Some(entry) = dir.next()? {
//!             println!("{}", entry.name);
//!             walk(entry.node)?;
//!         }
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! **Skipping.** A caller may drop a file reader or directory reader before it
//! is exhausted: the parent's next `next()` (or [`Reader::finish`]) skips the
//! rest, still checking every rule. A child borrows its parent, so the
//! compiler prevents using a parent while a child is alive.
//!
//! **Errors** ([`Error`]) say what is wrong, at which byte offset, and at which
//! path inside the archive. After an error the reader is poisoned: every later
//! call fails with [`ErrorKind::Poisoned`]. File readers report errors through
//! [`std::io::Error`]; [`Error::from_io`] recovers the NAR error.
//!
//! **Never reading past the end.** The reader consumes exactly the archive's
//! bytes from the [`BufRead`], so NARs embedded in other streams (the daemon
//! protocol, `nix-store --export`) can be read in place. Once the root node is
//! complete (a directory's `next()` returned `None`, a file's reader returned
//! end-of-file, or [`Reader::finish`] returned), the underlying reader is
//! positioned right after the archive. What follows is the caller's business:
//! `nix-store --restore` ignores it; [`Reader::into_inner`] lets a caller check.
//!
//! `r#async` (feature `async`) has the same API over tokio's `AsyncBufRead`.

mod error;
mod parser;

#[cfg(feature = "async")]
pub mod r#async;

pub use error::{Error, ErrorKind, Got};

use std::io::{self, BufRead, Read, Write};

use bstr::BString;

use parser::{Event, Header, Parser};

/// A NAR being read from `R`. See the [module docs](self).
#[derive(Debug)]
pub struct Reader<R> {
    inner: R,
    parser: Parser,
}

/// Reads the header of the root node of the NAR in `inner`. The returned
/// node owns the reader; use [`Reader`] to get the underlying reader back or
/// to finish reading the archive after the root node.
pub fn open<'a, R: BufRead + 'a>(inner: R) -> Result<Node<'a, R>, Error> {
    let mut reader = Box::new(Reader::new(inner));
    let header = reader.root_header()?;
    Ok(Node::new(header, Core::Owned(reader), 0))
}

impl<R: BufRead> Reader<R> {
    /// A reader for the NAR at the start of `inner`.
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            parser: Parser::new(),
        }
    }

    /// Reads the header of the root node. Only possible once, at the start.
    pub fn root(&mut self) -> Result<Node<'_, R>, Error> {
        let header = self.root_header()?;
        Ok(Node::new(header, Core::Borrowed(self), 0))
    }

    fn root_header(&mut self) -> Result<Header, Error> {
        if !self.parser.at_start() {
            self.parser.check()?;
            return Err(self.parser.error(ErrorKind::RootAlreadyOpened));
        }
        match self.next_event()? {
            Event::Node { header, .. } => Ok(header),
            // The first event of an archive is always its root node.
            _ => Err(self.parser.fail(ErrorKind::Poisoned)),
        }
    }

    /// Reads (and checks) whatever is left of the archive, skipping what the
    /// caller did not read, and returns the archive's length in bytes. The
    /// underlying reader is then positioned right after the archive.
    pub fn finish(&mut self) -> Result<u64, Error> {
        while !self.parser.is_done() {
            self.next_event()?;
        }
        Ok(self.parser.position())
    }

    /// Bytes of the archive consumed so far.
    pub fn position(&self) -> u64 {
        self.parser.position()
    }

    /// Whether the whole archive has been read.
    pub fn is_done(&self) -> bool {
        self.parser.is_done()
    }

    /// The underlying reader, positioned wherever reading stopped.
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// Feeds the parser until it reports an event.
    fn next_event(&mut self) -> Result<Event, Error> {
        loop {
            self.parser.check()?;
            let buf = match self.inner.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.parser.io_error(e)),
            };
            if buf.is_empty() {
                return Err(self.parser.eof());
            }
            let mut input = buf;
            let event = self.parser.step(&mut input);
            let used = buf.len() - input.len();
            self.inner.consume(used);
            if let Some(event) = event? {
                return Ok(event);
            }
        }
    }
}

/// The archive (a sync or async `Reader`), owned by the root node ([`open`])
/// or borrowed from a `Reader` or a parent directory.
#[derive(Debug)]
enum Core<'a, T> {
    Owned(Box<T>),
    Borrowed(&'a mut T),
}

impl<T> Core<'_, T> {
    fn get(&mut self) -> &mut T {
        match self {
            Core::Owned(r) => r,
            Core::Borrowed(r) => r,
        }
    }
}

/// A node of the archive. The three kinds are all the NAR format has, so the
/// enum is exhaustive.
#[derive(Debug)]
pub enum Node<'a, R> {
    /// A symbolic link.
    Symlink {
        /// Its target, as stored (possibly empty or with NUL bytes, which
        /// C++ Nix's parser accepts too; restoring such a link fails).
        target: BString,
    },
    /// A regular file.
    File {
        /// Whether the executable marker is set.
        executable: bool,
        /// Its contents.
        reader: FileReader<'a, R>,
    },
    /// A directory.
    Directory(DirReader<'a, R>),
}

impl<'a, R> Node<'a, R> {
    fn new(header: Header, core: Core<'a, Reader<R>>, depth: usize) -> Self {
        match header {
            Header::Symlink { target } => Node::Symlink { target },
            Header::File {
                executable,
                len,
                offset,
            } => Node::File {
                executable,
                reader: FileReader {
                    core,
                    len,
                    offset,
                    depth,
                    done: false,
                },
            },
            Header::Directory => Node::Directory(DirReader {
                core,
                depth,
                done: false,
            }),
        }
    }
}

/// An entry of a directory: its name and node.
#[derive(Debug)]
pub struct Entry<'a, R> {
    /// The name (valid, and greater than the previous entry's).
    pub name: BString,
    /// The node.
    pub node: Node<'a, R>,
}

/// The contents of a file in the archive. Implements [`Read`] and [`BufRead`];
/// returns end-of-file after exactly [`FileReader::len`] bytes (having then
/// read the file's trailer).
#[derive(Debug)]
pub struct FileReader<'a, R> {
    core: Core<'a, Reader<R>>,
    len: u64,
    offset: u64,
    depth: usize,
    done: bool,
}

impl<R: BufRead> FileReader<'_, R> {
    /// The size of the contents in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the contents are empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Offset in the archive of the first byte of the contents (what
    /// `nix nar ls --json` calls `narOffset`).
    pub fn nar_offset(&self) -> u64 {
        self.offset
    }

    /// Copies the rest of the contents to `w` straight from the underlying
    /// reader's buffer; returns the number of bytes copied.
    pub fn copy_to<W: Write + ?Sized>(&mut self, w: &mut W) -> io::Result<u64> {
        let mut copied = 0;
        loop {
            let buf = self.fill_buf()?;
            if buf.is_empty() {
                return Ok(copied);
            }
            let n = buf.len();
            w.write_all(buf)?;
            self.consume(n);
            copied += n as u64;
        }
    }

    /// Reads the padding and `)` after the contents.
    fn finish_file(&mut self) -> Result<(), Error> {
        let reader = self.core.get();
        loop {
            if let Event::FileEnd { depth } = reader.next_event()? {
                if depth == self.depth {
                    self.done = true;
                    return Ok(());
                }
            }
        }
    }

    /// Content bytes left, or `None` at the end (after reading the trailer).
    fn remaining(&mut self) -> Result<Option<u64>, Error> {
        if self.done {
            return Ok(None);
        }
        let reader = self.core.get();
        reader.parser.check()?;
        match reader.parser.file_remaining() {
            Some(0) => {
                self.finish_file()?;
                Ok(None)
            }
            Some(n) => Ok(Some(n)),
            // A live file reader keeps the parser inside its contents.
            None => Err(reader.parser.fail(ErrorKind::Poisoned)),
        }
    }
}

impl<R: BufRead> Read for FileReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let Some(remaining) = self.remaining()? else {
            return Ok(0);
        };
        let reader = self.core.get();
        let want = usize::try_from(remaining)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        // Reading through `inner.read` lets a `BufReader` hand large reads
        // straight to the file; `want` keeps it inside the contents.
        let n = {
            match reader.inner.read(&mut buf[..want]) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => return Err(e),
                Err(e) => return Err(reader.parser.io_error(e).into()),
            }
        };
        if n == 0 {
            return Err(reader.parser.eof().into());
        }
        reader.parser.file_consumed(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for FileReader<'_, R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        let Some(remaining) = self.remaining()? else {
            return Ok(&[]);
        };
        let Reader { inner, parser } = self.core.get();
        let buf = match inner.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Err(e),
            Err(e) => return Err(parser.io_error(e).into()),
        };
        if buf.is_empty() {
            return Err(parser.eof().into());
        }
        let n = usize::try_from(remaining)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        Ok(&buf[..n])
    }

    fn consume(&mut self, amt: usize) {
        if self.done {
            return;
        }
        let reader = self.core.get();
        let amt = match reader.parser.file_remaining() {
            Some(remaining) => usize::try_from(remaining).unwrap_or(usize::MAX).min(amt),
            None => 0,
        };
        reader.inner.consume(amt);
        reader.parser.file_consumed(amt);
    }
}

/// The entries of a directory in the archive, in order.
///
/// Not an [`Iterator`]: each entry borrows the directory reader, which an
/// iterator cannot express.
#[derive(Debug)]
pub struct DirReader<'a, R> {
    core: Core<'a, Reader<R>>,
    depth: usize,
    done: bool,
}

impl<R: BufRead> DirReader<'_, R> {
    /// The next entry, or `None` after the last one (the directory's `)` has
    /// then been read). Skips whatever of the previous entry was not read.
    #[allow(
        clippy::should_implement_trait,
        reason = "entries borrow the reader, which Iterator cannot express"
    )]
    pub fn next(&mut self) -> Result<Option<Entry<'_, R>>, Error> {
        if self.done {
            return Ok(None);
        }
        let reader = self.core.get();
        loop {
            match reader.next_event()? {
                Event::Node { depth, header } if depth == self.depth + 1 => {
                    let name = reader.parser.take_name();
                    let node = Node::new(header, Core::Borrowed(reader), depth);
                    return Ok(Some(Entry { name, node }));
                }
                Event::DirEnd { depth } if depth == self.depth => {
                    self.done = true;
                    return Ok(None);
                }
                // Events inside an entry the caller did not read to the end.
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests;
