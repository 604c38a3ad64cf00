//! The NAR writer over tokio's [`AsyncWrite`]: the same API, checks and errors
//! as the [sync writer](super), with `async` methods, and a [`FileWriter`] that
//! implements [`AsyncWrite`].

use std::{
    io,
    pin::Pin,
    task::{Context, Poll},
};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::Error;
use super::state::{self, DirState, Slot, complete, in_entry};

/// Writes one NAR to `W`, checking at the end that it is complete. See
/// [`super::Writer`].
#[derive(Debug)]
#[must_use = "call finish() to check the NAR is complete"]
pub struct Writer<W> {
    w: W,
    slot: Slot,
}

impl<W: AsyncWrite + Unpin> Writer<W> {
    /// A writer for one NAR.
    pub fn new(w: W) -> Self {
        Self {
            w,
            slot: Slot::root(),
        }
    }

    /// Writes the magic string and returns the root node. Only once.
    pub async fn root(&mut self) -> Result<Node<'_, W>, Error> {
        self.slot.take_root()?;
        let mut buf = Vec::with_capacity(24);
        state::magic(&mut buf);
        self.w.write_all(&buf).await?;
        Ok(Node {
            w: &mut self.w,
            slot: Some(&mut self.slot),
        })
    }

    /// Checks that the root node is complete, flushes, and returns the
    /// underlying writer.
    pub async fn finish(mut self) -> Result<W, Error> {
        if !self.slot.is_complete() {
            return Err(Error::Unfinished);
        }
        self.w.flush().await?;
        Ok(self.w)
    }

    /// The underlying writer.
    pub fn get_ref(&self) -> &W {
        &self.w
    }
}

/// Writes the magic string to `w` and returns the root node, unchecked. See
/// [`super::open`].
pub async fn open<W: AsyncWrite + Unpin>(w: &mut W) -> Result<Node<'_, W>, Error> {
    let mut buf = Vec::with_capacity(24);
    state::magic(&mut buf);
    w.write_all(&buf).await?;
    Ok(Node { w, slot: None })
}

/// A node to be written: exactly one of its methods must be called.
#[derive(Debug)]
#[must_use = "a NAR node must be written"]
pub struct Node<'a, W> {
    w: &'a mut W,
    slot: Option<&'a mut Slot>,
}

impl<'a, W: AsyncWrite + Unpin> Node<'a, W> {
    /// Writes a symlink to `target`.
    pub async fn symlink(self, target: &[u8]) -> Result<(), Error> {
        state::check_target(target)?;
        let mut buf = Vec::with_capacity(128 + target.len());
        state::symlink(&mut buf, target, in_entry(&self.slot));
        self.w.write_all(&buf).await?;
        complete(self.slot);
        Ok(())
    }

    /// Writes a file of `size` bytes read from `reader`, which must hold
    /// exactly that many (it is read up to one byte further to check).
    pub async fn file<R: AsyncRead + Unpin + ?Sized>(
        self,
        executable: bool,
        size: u64,
        reader: &mut R,
    ) -> Result<(), Error> {
        let mut out = self.file_writer(executable, size).await?;
        let copied = tokio::io::copy(&mut (&mut *reader).take(size), &mut out).await?;
        if copied < size {
            return Err(Error::ShortContents {
                expected: size,
                got: copied,
            });
        }
        let mut probe = [0u8; 1];
        if reader.read(&mut probe).await? > 0 {
            return Err(Error::LongContents { expected: size });
        }
        out.close().await
    }

    /// Writes the header of a file of `size` bytes; the caller writes the
    /// contents to the returned [`FileWriter`] and closes it.
    pub async fn file_writer(
        self,
        executable: bool,
        size: u64,
    ) -> Result<FileWriter<'a, W>, Error> {
        let mut buf = Vec::with_capacity(128);
        state::file_header(&mut buf, executable, size);
        self.w.write_all(&buf).await?;
        Ok(FileWriter {
            w: self.w,
            slot: self.slot,
            len: size,
            remaining: size,
        })
    }

    /// Writes the header of a directory, whose entries follow.
    pub async fn directory(self) -> Result<Directory<'a, W>, Error> {
        let mut buf = Vec::with_capacity(72);
        state::directory_header(&mut buf);
        self.w.write_all(&buf).await?;
        Ok(Directory {
            w: self.w,
            slot: self.slot,
            state: DirState::new(),
        })
    }
}

/// The contents of a file being written. See [`super::FileWriter`].
#[derive(Debug)]
#[must_use = "call close() to end the file"]
pub struct FileWriter<'a, W> {
    w: &'a mut W,
    slot: Option<&'a mut Slot>,
    len: u64,
    remaining: u64,
}

impl<W: AsyncWrite + Unpin> FileWriter<'_, W> {
    /// Bytes still to be written.
    pub fn remaining(&self) -> u64 {
        self.remaining
    }

    /// Ends the file; fails if fewer bytes than announced were written.
    pub async fn close(self) -> Result<(), Error> {
        if self.remaining > 0 {
            return Err(Error::ShortContents {
                expected: self.len,
                got: self.len - self.remaining,
            });
        }
        let mut buf = Vec::with_capacity(24);
        state::file_trailer(&mut buf, self.len, in_entry(&self.slot));
        self.w.write_all(&buf).await?;
        complete(self.slot);
        Ok(())
    }
}

impl<W: AsyncWrite + Unpin> AsyncWrite for FileWriter<'_, W> {
    /// Fails with [`io::ErrorKind::InvalidInput`] (writing nothing) if `buf`
    /// goes past the announced size.
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if buf.len() as u64 > this.remaining {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                Error::LongContents { expected: this.len },
            )));
        }
        let poll = Pin::new(&mut *this.w).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = poll {
            this.remaining -= n as u64;
        }
        poll
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.get_mut().w).poll_flush(cx)
    }

    /// Flushes only: the NAR goes on after the file.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.get_mut().w).poll_flush(cx)
    }
}

/// A directory being written. See [`super::Directory`].
#[derive(Debug)]
#[must_use = "call close() to end the directory"]
pub struct Directory<'a, W> {
    w: &'a mut W,
    slot: Option<&'a mut Slot>,
    state: DirState,
}

impl<W: AsyncWrite + Unpin> Directory<'_, W> {
    /// Starts the entry `name` and returns its node.
    pub async fn entry(&mut self, name: &[u8]) -> Result<Node<'_, W>, Error> {
        self.state.begin_entry(name)?;
        let mut buf = Vec::with_capacity(96 + name.len());
        state::entry_header(&mut buf, name);
        self.w.write_all(&buf).await?;
        Ok(Node {
            w: &mut *self.w,
            slot: Some(&mut self.state.child),
        })
    }

    /// Ends the directory.
    pub async fn close(mut self) -> Result<(), Error> {
        self.state.close()?;
        let mut buf = Vec::with_capacity(32);
        state::node_close(&mut buf, in_entry(&self.slot));
        self.w.write_all(&buf).await?;
        complete(self.slot);
        Ok(())
    }
}
