//! The NAR reader over tokio's [`AsyncBufRead`]: the same API, rules, errors
//! and guarantees as the [sync reader](super), with `async` methods, and a
//! [`FileReader`] that implements [`AsyncRead`] and [`AsyncBufRead`].

use std::{
    future::poll_fn,
    io,
    pin::Pin,
    task::{Context, Poll, ready},
};

use bstr::BString;
use tokio::io::{AsyncBufRead, AsyncRead, AsyncWrite, ReadBuf};

use super::parser::{Event, Header, Parser};
use super::{Core, Error, ErrorKind};

/// A NAR being read from `R`. See the [sync reader](super::Reader).
#[derive(Debug)]
pub struct Reader<R> {
    inner: R,
    parser: Parser,
}

/// Reads the header of the root node of the NAR in `inner`; the node owns the
/// reader. See [`super::open`].
pub async fn open<'a, R: AsyncBufRead + Unpin + 'a>(inner: R) -> Result<Node<'a, R>, Error> {
    let mut reader = Box::new(Reader::new(inner));
    let header = reader.root_header().await?;
    Ok(Node::new(header, Core::Owned(reader), 0))
}

impl<R: AsyncBufRead + Unpin> Reader<R> {
    /// A reader for the NAR at the start of `inner`.
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            parser: Parser::new(),
        }
    }

    /// Reads the header of the root node. Only possible once, at the start.
    pub async fn root(&mut self) -> Result<Node<'_, R>, Error> {
        let header = self.root_header().await?;
        Ok(Node::new(header, Core::Borrowed(self), 0))
    }

    async fn root_header(&mut self) -> Result<Header, Error> {
        if !self.parser.at_start() {
            self.parser.check()?;
            return Err(self.parser.error(ErrorKind::RootAlreadyOpened));
        }
        match self.next_event().await? {
            Event::Node { header, .. } => Ok(header),
            // The first event of an archive is always its root node.
            _ => Err(self.parser.fail(ErrorKind::Poisoned)),
        }
    }

    /// Reads (and checks) whatever is left of the archive and returns its
    /// length. See [`super::Reader::finish`].
    pub async fn finish(&mut self) -> Result<u64, Error> {
        while !self.parser.is_done() {
            self.next_event().await?;
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

    async fn next_event(&mut self) -> Result<Event, Error> {
        poll_fn(|cx| self.poll_next_event(cx)).await
    }

    /// Feeds the parser until it reports an event.
    fn poll_next_event(&mut self, cx: &mut Context<'_>) -> Poll<Result<Event, Error>> {
        loop {
            self.parser.check()?;
            let buf = match ready!(Pin::new(&mut self.inner).poll_fill_buf(cx)) {
                Ok(buf) => buf,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Poll::Ready(Err(self.parser.io_error(e))),
            };
            if buf.is_empty() {
                return Poll::Ready(Err(self.parser.eof()));
            }
            let mut input = buf;
            let event = self.parser.step(&mut input);
            let used = buf.len() - input.len();
            Pin::new(&mut self.inner).consume(used);
            if let Some(event) = event? {
                return Poll::Ready(Ok(event));
            }
        }
    }
}

/// A node of the archive. See [`super::Node`].
#[derive(Debug)]
pub enum Node<'a, R> {
    /// A symbolic link.
    Symlink {
        /// Its target, as stored.
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
    /// The name.
    pub name: BString,
    /// The node.
    pub node: Node<'a, R>,
}

/// The contents of a file in the archive; implements [`AsyncRead`] and
/// [`AsyncBufRead`]. See [`super::FileReader`].
#[derive(Debug)]
pub struct FileReader<'a, R> {
    core: Core<'a, Reader<R>>,
    len: u64,
    offset: u64,
    depth: usize,
    done: bool,
}

impl<R: AsyncBufRead + Unpin> FileReader<'_, R> {
    /// The size of the contents in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the contents are empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Offset in the archive of the first byte of the contents.
    pub fn nar_offset(&self) -> u64 {
        self.offset
    }

    /// Copies the rest of the contents to `w` straight from the underlying
    /// reader's buffer; returns the number of bytes copied.
    pub async fn copy_to<W: AsyncWrite + Unpin + ?Sized>(&mut self, w: &mut W) -> io::Result<u64> {
        tokio::io::copy_buf(self, w).await
    }

    /// Content bytes left, or `None` at the end (after reading the trailer).
    fn poll_remaining(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<u64>, Error>> {
        if self.done {
            return Poll::Ready(Ok(None));
        }
        let reader = self.core.get();
        reader.parser.check()?;
        match reader.parser.file_remaining() {
            Some(0) => loop {
                if let Event::FileEnd { depth } = ready!(reader.poll_next_event(cx))? {
                    if depth == self.depth {
                        self.done = true;
                        return Poll::Ready(Ok(None));
                    }
                }
            },
            Some(n) => Poll::Ready(Ok(Some(n))),
            // A live file reader keeps the parser inside its contents.
            None => Poll::Ready(Err(reader.parser.fail(ErrorKind::Poisoned))),
        }
    }

    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let Some(remaining) = ready!(self.poll_remaining(cx))? else {
            return Poll::Ready(Ok(&[]));
        };
        let Reader { inner, parser } = self.core.get();
        let buf = match ready!(Pin::new(inner).poll_fill_buf(cx)) {
            Ok(buf) => buf,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Poll::Ready(Err(e)),
            Err(e) => return Poll::Ready(Err(parser.io_error(e).into())),
        };
        if buf.is_empty() {
            return Poll::Ready(Err(parser.eof().into()));
        }
        let n = usize::try_from(remaining)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        Poll::Ready(Ok(&buf[..n]))
    }

    fn consume_inner(&mut self, amt: usize) {
        if self.done {
            return;
        }
        let reader = self.core.get();
        let amt = match reader.parser.file_remaining() {
            Some(remaining) => usize::try_from(remaining).unwrap_or(usize::MAX).min(amt),
            None => 0,
        };
        Pin::new(&mut reader.inner).consume(amt);
        reader.parser.file_consumed(amt);
    }
}

impl<R: AsyncBufRead + Unpin> AsyncRead for FileReader<'_, R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if out.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        let buf = ready!(this.poll_fill(cx))?;
        let n = buf.len().min(out.remaining());
        out.put_slice(&buf[..n]);
        this.consume_inner(n);
        Poll::Ready(Ok(()))
    }
}

impl<R: AsyncBufRead + Unpin> AsyncBufRead for FileReader<'_, R> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.get_mut().poll_fill(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.get_mut().consume_inner(amt);
    }
}

/// The entries of a directory in the archive, in order. See
/// [`super::DirReader`].
#[derive(Debug)]
pub struct DirReader<'a, R> {
    core: Core<'a, Reader<R>>,
    depth: usize,
    done: bool,
}

impl<R: AsyncBufRead + Unpin> DirReader<'_, R> {
    /// The next entry, or `None` after the last one. Skips whatever of the
    /// previous entry was not read.
    pub async fn next(&mut self) -> Result<Option<Entry<'_, R>>, Error> {
        if self.done {
            return Ok(None);
        }
        let reader = self.core.get();
        loop {
            match reader.next_event().await? {
                Event::Node { depth, header } if depth == self.depth + 1 => {
                    let name = reader.parser.take_name();
                    let node = Node::new(header, Core::Borrowed(reader), depth);
                    return Ok(Some(Entry { name, node }));
                }
                Event::DirEnd { depth } if depth == self.depth => {
                    self.done = true;
                    return Ok(None);
                }
                _ => {}
            }
        }
    }
}
