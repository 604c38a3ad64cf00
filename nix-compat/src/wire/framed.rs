//! Framed streams over [`std::io`]: a byte stream cut into frames, each an
//! unpadded u64 length followed by that many bytes, ended by an empty frame.
//! C++ Nix (`FramedSource`/`FramedSink`) uses them from protocol 1.23 on to send
//! NARs of unknown length to the daemon.

use std::io::{self, BufRead, Read, Write};

use super::sync::read_u64;

/// Default payload size of the frames [`FramedWriter`] emits: C++ Nix's
/// `BufferedSink` default (32 KiB).
pub const DEFAULT_FRAME_SIZE: usize = 32 * 1024;

/// Reads the payload of a framed stream; [`Read::read`] returns 0 once the
/// terminating empty frame has been read, and never reads past it.
///
/// Frames are passed through without buffering, so their size is not limited.
/// Implements [`BufRead`] when the inner reader does.
#[derive(Debug)]
pub struct FramedReader<R> {
    inner: R,
    /// Bytes left in the current frame.
    remaining: u64,
    /// The terminator has been read.
    done: bool,
}

impl<R: Read> FramedReader<R> {
    /// Reads frames from `inner`.
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            remaining: 0,
            done: false,
        }
    }

    /// Whether the terminating empty frame has been read.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Skips the rest of the stream up to and including the terminator (what
    /// C++ does when a `FramedSource` is destroyed early). Returns the payload
    /// bytes skipped.
    pub fn drain(&mut self) -> io::Result<u64> {
        io::copy(self, &mut io::sink())
    }

    /// The inner reader, positioned wherever reading stopped.
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// Reads the next frame header if the current frame is used up; returns
    /// whether payload bytes are available.
    fn next_frame(&mut self) -> io::Result<bool> {
        while self.remaining == 0 {
            if self.done {
                return Ok(false);
            }
            let len = read_u64(&mut self.inner)?;
            if len == 0 {
                self.done = true;
                return Ok(false);
            }
            self.remaining = len;
        }
        Ok(true)
    }
}

impl<R: Read> Read for FramedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() || !self.next_frame()? {
            return Ok(0);
        }
        let want = usize::try_from(self.remaining)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            return Err(eof_in_frame());
        }
        self.remaining -= n as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for FramedReader<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if !self.next_frame()? {
            return Ok(&[]);
        }
        let remaining = self.remaining;
        let buf = self.inner.fill_buf()?;
        if buf.is_empty() {
            return Err(eof_in_frame());
        }
        let n = usize::try_from(remaining)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        Ok(&buf[..n])
    }

    fn consume(&mut self, amt: usize) {
        let amt = amt.min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        self.inner.consume(amt);
        self.remaining -= amt as u64;
    }
}

pub(crate) fn eof_in_frame() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "framed stream ended inside a frame",
    )
}

/// Writes a framed stream: data is collected into frames of up to the frame
/// size; [`FramedWriter::finish`] writes the last frame and the terminator.
///
/// Dropping the writer without calling `finish` leaves the stream unterminated.
#[derive(Debug)]
#[must_use = "call finish() to write the terminating empty frame"]
pub struct FramedWriter<W: Write> {
    inner: W,
    buf: Vec<u8>,
    frame_size: usize,
}

impl<W: Write> FramedWriter<W> {
    /// Frames of up to [`DEFAULT_FRAME_SIZE`] bytes.
    pub fn new(inner: W) -> Self {
        Self::with_frame_size(inner, DEFAULT_FRAME_SIZE)
    }

    /// Frames of up to `frame_size` bytes (at least 1).
    pub fn with_frame_size(inner: W, frame_size: usize) -> Self {
        let frame_size = frame_size.max(1);
        Self {
            inner,
            buf: Vec::with_capacity(frame_size),
            frame_size,
        }
    }

    fn write_frame(inner: &mut W, data: &[u8]) -> io::Result<()> {
        if data.is_empty() {
            return Ok(());
        }
        inner.write_all(&(data.len() as u64).to_le_bytes())?;
        inner.write_all(data)
    }

    fn flush_frame(&mut self) -> io::Result<()> {
        Self::write_frame(&mut self.inner, &self.buf)?;
        self.buf.clear();
        Ok(())
    }

    /// Writes the pending frame and the terminating empty frame, flushes, and
    /// returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.flush_frame()?;
        self.inner.write_all(&0u64.to_le_bytes())?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for FramedWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.buf.len() + data.len() > self.frame_size {
            self.flush_frame()?;
        }
        if data.len() >= self.frame_size {
            // Large writes go out as frames of their own, without copying.
            let n = self.frame_size;
            Self::write_frame(&mut self.inner, &data[..n])?;
            return Ok(n);
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    /// Sends the pending data as a frame and flushes the inner writer.
    fn flush(&mut self) -> io::Result<()> {
        self.flush_frame()?;
        self.inner.flush()
    }
}
