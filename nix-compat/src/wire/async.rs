//! Wire primitives over tokio's [`AsyncRead`] and [`AsyncWrite`]: the same
//! functions and framed streams as the synchronous ones in [`crate::wire`], with
//! the same rules and errors.

use std::{
    collections::{BTreeMap, BTreeSet},
    io,
    pin::Pin,
    task::{Context, Poll, ready},
};

use tokio::io::{AsyncBufRead, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};

use super::{Error, ZEROS, framed::eof_in_frame, len_prefix, padding_is_zero, padding_len};

pub use super::framed::DEFAULT_FRAME_SIZE;

/// Largest capacity reserved up front for a collection.
const MAX_PREALLOC: usize = 1024;

/// Reads a little-endian u64.
pub async fn read_u64<R: AsyncRead + Unpin + ?Sized>(r: &mut R) -> Result<u64, Error> {
    let mut buf = [0; 8];
    r.read_exact(&mut buf).await?;
    Ok(u64::from_le_bytes(buf))
}

/// Reads a u64 that must fit a `usize`.
pub async fn read_usize<R: AsyncRead + Unpin + ?Sized>(r: &mut R) -> Result<usize, Error> {
    let value = read_u64(r).await?;
    usize::try_from(value).map_err(|_| Error::IntegerTooLarge { value, ty: "usize" })
}

/// Reads a boolean: 0 is false, anything else true.
pub async fn read_bool<R: AsyncRead + Unpin + ?Sized>(r: &mut R) -> Result<bool, Error> {
    Ok(read_u64(r).await? != 0)
}

/// Reads a padded byte string of at most `max` bytes.
pub async fn read_bytes<R: AsyncRead + Unpin + ?Sized>(
    r: &mut R,
    max: u64,
) -> Result<Vec<u8>, Error> {
    let len = read_u64(r).await?;
    if len > max {
        return Err(Error::TooLong { len, max });
    }
    let mut data = Vec::new();
    (&mut *r).take(len).read_to_end(&mut data).await?;
    if (data.len() as u64) < len {
        return Err(io::Error::from(io::ErrorKind::UnexpectedEof).into());
    }
    let mut pad = [0; 8];
    let pad = &mut pad[..padding_len(len)];
    r.read_exact(pad).await?;
    if !padding_is_zero(pad) {
        return Err(Error::NonZeroPadding { len });
    }
    Ok(data)
}

/// Reads a padded string of at most `max` bytes that must be UTF-8.
pub async fn read_string<R: AsyncRead + Unpin + ?Sized>(
    r: &mut R,
    max: u64,
) -> Result<String, Error> {
    String::from_utf8(read_bytes(r, max).await?).map_err(Error::InvalidUtf8)
}

async fn read_count<R: AsyncRead + Unpin + ?Sized>(r: &mut R, max: u64) -> Result<usize, Error> {
    let count = read_u64(r).await?;
    if count > max {
        return Err(Error::TooManyItems { count, max });
    }
    usize::try_from(count).map_err(|_| Error::IntegerTooLarge {
        value: count,
        ty: "usize",
    })
}

/// Reads a count (at most `max`), then that many items with `item`.
pub async fn read_list<R, T, F>(r: &mut R, max: u64, mut item: F) -> Result<Vec<T>, Error>
where
    R: AsyncRead + Unpin + ?Sized,
    F: AsyncFnMut(&mut R) -> Result<T, Error>,
{
    let count = read_count(r, max).await?;
    let mut out = Vec::with_capacity(count.min(MAX_PREALLOC));
    for _ in 0..count {
        out.push(item(r).await?);
    }
    Ok(out)
}

/// Reads a set: like [`read_list`], dropping duplicates.
pub async fn read_set<R, T, F>(r: &mut R, max: u64, mut item: F) -> Result<BTreeSet<T>, Error>
where
    R: AsyncRead + Unpin + ?Sized,
    T: Ord,
    F: AsyncFnMut(&mut R) -> Result<T, Error>,
{
    let count = read_count(r, max).await?;
    let mut out = BTreeSet::new();
    for _ in 0..count {
        out.insert(item(r).await?);
    }
    Ok(out)
}

/// Reads a map; a repeated key keeps its last value.
pub async fn read_map<R, K, V, FK, FV>(
    r: &mut R,
    max: u64,
    mut key: FK,
    mut value: FV,
) -> Result<BTreeMap<K, V>, Error>
where
    R: AsyncRead + Unpin + ?Sized,
    K: Ord,
    FK: AsyncFnMut(&mut R) -> Result<K, Error>,
    FV: AsyncFnMut(&mut R) -> Result<V, Error>,
{
    let count = read_count(r, max).await?;
    let mut out = BTreeMap::new();
    for _ in 0..count {
        let k = key(r).await?;
        let v = value(r).await?;
        out.insert(k, v);
    }
    Ok(out)
}

/// Writes a little-endian u64.
pub async fn write_u64<W: AsyncWrite + Unpin + ?Sized>(w: &mut W, value: u64) -> io::Result<()> {
    w.write_all(&value.to_le_bytes()).await
}

/// Writes a boolean as 0 or 1.
pub async fn write_bool<W: AsyncWrite + Unpin + ?Sized>(w: &mut W, value: bool) -> io::Result<()> {
    write_u64(w, u64::from(value)).await
}

/// Writes a padded byte string.
pub async fn write_bytes<W: AsyncWrite + Unpin + ?Sized>(w: &mut W, data: &[u8]) -> io::Result<()> {
    let len = data.len() as u64;
    w.write_all(&len_prefix(len)).await?;
    w.write_all(data).await?;
    w.write_all(&ZEROS[..padding_len(len)]).await
}

/// Writes a count, then each item with `item`.
pub async fn write_list<W, I, F>(w: &mut W, items: I, mut item: F) -> io::Result<()>
where
    W: AsyncWrite + Unpin + ?Sized,
    I: IntoIterator,
    I::IntoIter: ExactSizeIterator,
    F: AsyncFnMut(&mut W, I::Item) -> io::Result<()>,
{
    let items = items.into_iter();
    write_u64(w, items.len() as u64).await?;
    for i in items {
        item(w, i).await?;
    }
    Ok(())
}

/// Writes a map in its iteration order: a count, then key/value pairs.
pub async fn write_map<'a, W, K, V, FK, FV>(
    w: &mut W,
    map: &'a BTreeMap<K, V>,
    mut key: FK,
    mut value: FV,
) -> io::Result<()>
where
    W: AsyncWrite + Unpin + ?Sized,
    FK: AsyncFnMut(&mut W, &'a K) -> io::Result<()>,
    FV: AsyncFnMut(&mut W, &'a V) -> io::Result<()>,
{
    write_u64(w, map.len() as u64).await?;
    for (k, v) in map {
        key(w, k).await?;
        value(w, v).await?;
    }
    Ok(())
}

/// Reads the payload of a framed stream (see [`crate::wire::FramedReader`]);
/// reading returns no more bytes once the terminator has been read, and never
/// reads past it. Implements [`AsyncBufRead`] when the inner reader does.
#[derive(Debug)]
pub struct FramedReader<R> {
    inner: R,
    remaining: u64,
    done: bool,
    header: [u8; 8],
    header_filled: usize,
}

impl<R: AsyncRead + Unpin> FramedReader<R> {
    /// Reads frames from `inner`.
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            remaining: 0,
            done: false,
            header: [0; 8],
            header_filled: 0,
        }
    }

    /// Whether the terminating empty frame has been read.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Skips the rest of the stream up to and including the terminator.
    pub async fn drain(&mut self) -> io::Result<u64> {
        tokio::io::copy(self, &mut tokio::io::sink()).await
    }

    /// The inner reader.
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// Reads frame headers until payload is available (true) or the
    /// terminator has been read (false).
    fn poll_next_frame(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<bool>> {
        while self.remaining == 0 {
            if self.done {
                return Poll::Ready(Ok(false));
            }
            while self.header_filled < 8 {
                let mut buf = ReadBuf::new(&mut self.header[self.header_filled..]);
                ready!(Pin::new(&mut self.inner).poll_read(cx, &mut buf))?;
                let n = buf.filled().len();
                if n == 0 {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "framed stream ended inside a frame header",
                    )));
                }
                self.header_filled += n;
            }
            self.header_filled = 0;
            let len = u64::from_le_bytes(self.header);
            if len == 0 {
                self.done = true;
            }
            self.remaining = len;
        }
        Poll::Ready(Ok(true))
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for FramedReader<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if buf.remaining() == 0 || !ready!(this.poll_next_frame(cx))? {
            return Poll::Ready(Ok(()));
        }
        let want = usize::try_from(this.remaining)
            .unwrap_or(usize::MAX)
            .min(buf.remaining());
        let mut limited = ReadBuf::new(buf.initialize_unfilled_to(want));
        ready!(Pin::new(&mut this.inner).poll_read(cx, &mut limited))?;
        let n = limited.filled().len();
        if n == 0 {
            return Poll::Ready(Err(eof_in_frame()));
        }
        buf.advance(n);
        this.remaining -= n as u64;
        Poll::Ready(Ok(()))
    }
}

impl<R: AsyncBufRead + Unpin> AsyncBufRead for FramedReader<R> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        if !ready!(this.poll_next_frame(cx))? {
            return Poll::Ready(Ok(&[]));
        }
        let remaining = this.remaining;
        let buf = ready!(Pin::new(&mut this.inner).poll_fill_buf(cx))?;
        if buf.is_empty() {
            return Poll::Ready(Err(eof_in_frame()));
        }
        let n = usize::try_from(remaining)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        Poll::Ready(Ok(&buf[..n]))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let this = self.get_mut();
        let amt = amt.min(usize::try_from(this.remaining).unwrap_or(usize::MAX));
        Pin::new(&mut this.inner).consume(amt);
        this.remaining -= amt as u64;
    }
}

/// Writes a framed stream (see [`crate::wire::FramedWriter`]). Data is
/// collected into frames of up to the frame size;
/// [`FramedWriter::finish`] (or `shutdown`) writes the last frame and the
/// terminator. `shutdown` does not shut the inner writer down, since the
/// protocol goes on after the stream.
#[derive(Debug)]
#[must_use = "call finish() to write the terminating empty frame"]
pub struct FramedWriter<W> {
    inner: W,
    buf: Vec<u8>,
    frame_size: usize,
    /// Bytes of `out` already written to `inner`.
    out_pos: usize,
    /// An encoded frame (header and payload) being written.
    out: Vec<u8>,
    terminated: bool,
}

impl<W: AsyncWrite + Unpin> FramedWriter<W> {
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
            out_pos: 0,
            out: Vec::new(),
            terminated: false,
        }
    }

    /// Writes the pending frame and the terminator, flushes, and returns the
    /// inner writer.
    pub async fn finish(mut self) -> io::Result<W> {
        self.shutdown().await?;
        Ok(self.inner)
    }

    /// Moves the collected data into `out` as an encoded frame.
    fn encode_pending(&mut self) {
        if !self.buf.is_empty() {
            self.out.clear();
            self.out
                .extend_from_slice(&(self.buf.len() as u64).to_le_bytes());
            self.out.append(&mut self.buf);
            self.out_pos = 0;
        }
    }

    /// Writes out `out` completely.
    fn poll_drain_out(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.out_pos < self.out.len() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.out[self.out_pos..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.out_pos += n;
        }
        self.out.clear();
        self.out_pos = 0;
        Poll::Ready(Ok(()))
    }

    fn poll_flush_frames(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_drain_out(cx))?;
        self.encode_pending();
        self.poll_drain_out(cx)
    }
}

impl<W: AsyncWrite + Unpin> AsyncWrite for FramedWriter<W> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.terminated {
            return Poll::Ready(Err(io::Error::other("framed stream already terminated")));
        }
        ready!(this.poll_drain_out(cx))?;
        if this.buf.len() + data.len() > this.frame_size {
            ready!(this.poll_flush_frames(cx))?;
        }
        let n = data.len().min(this.frame_size);
        this.buf.extend_from_slice(&data[..n]);
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_flush_frames(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_flush_frames(cx))?;
        if !this.terminated {
            this.out.clear();
            this.out.extend_from_slice(&0u64.to_le_bytes());
            this.out_pos = 0;
            this.terminated = true;
        }
        ready!(this.poll_drain_out(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }
}
