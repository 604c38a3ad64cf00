//! The program's own output (results on stdout, messages on stderr) written
//! so that it never garbles the progress bars, and the bars never garble it.
//!
//! Progress bars are redrawn in place on stderr. Anything else written to the
//! same terminal must first clear the bars, print, and let them be redrawn
//! below, which `indicatif` does in `MultiProgress::suspend`. That is only safe
//! for whole lines: if a redraw came between `"sha256:"` and `"…\n"`, the bar
//! would land in the middle of the line. So when bars are active and the
//! output is the terminal, [`OutputWriter`] buffers up to the end of the last
//! complete line and hands whole lines to the suspending writer in one call.
//! Otherwise (no bars, or output redirected to a file or pipe) it writes
//! straight through, at no extra cost.

use std::io::{self, Write};

/// A writer for a program's stdout or stderr that cooperates with progress
/// bars. Get one from [`TracingHandle::stdout`](crate::TracingHandle::stdout)
/// or [`TracingHandle::stderr`](crate::TracingHandle::stderr).
///
/// Write whole lines: a trailing partial line is held back until its newline,
/// [`flush`](Write::flush), or drop. Dropping flushes and ignores errors; call
/// `flush` to see them.
#[must_use = "an OutputWriter prints nothing unless written to"]
pub struct OutputWriter {
    inner: Box<dyn Write + Send>,
    /// `Some` when the output shares the terminal with progress bars: bytes
    /// after the last newline written so far.
    pending: Option<Vec<u8>>,
}

/// A partial line longer than this is written out even without its newline,
/// so a program writing one enormous line does not buffer it all.
const MAX_PENDING: usize = 64 * 1024;

impl OutputWriter {
    /// Writes straight to `inner`.
    pub(crate) fn direct(inner: Box<dyn Write + Send>) -> Self {
        Self {
            inner,
            pending: None,
        }
    }

    /// Hands only whole lines to `inner`, which suspends the bars around each
    /// call.
    pub(crate) fn line_buffered(inner: Box<dyn Write + Send>) -> Self {
        Self {
            inner,
            pending: Some(Vec::new()),
        }
    }

    fn write_pending(inner: &mut (dyn Write + Send), pending: &mut Vec<u8>) -> io::Result<()> {
        if !pending.is_empty() {
            inner.write_all(pending)?;
            pending.clear();
        }
        Ok(())
    }
}

impl Write for OutputWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let Some(pending) = &mut self.pending else {
            return self.inner.write(buf);
        };
        match buf.iter().rposition(|&b| b == b'\n') {
            Some(last_newline) => {
                let (lines, rest) = buf.split_at(last_newline + 1);
                if pending.is_empty() {
                    self.inner.write_all(lines)?;
                } else {
                    pending.extend_from_slice(lines);
                    Self::write_pending(&mut *self.inner, pending)?;
                }
                pending.extend_from_slice(rest);
            }
            None => {
                pending.extend_from_slice(buf);
                if pending.len() > MAX_PENDING {
                    Self::write_pending(&mut *self.inner, pending)?;
                }
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if let Some(pending) = &mut self.pending {
            Self::write_pending(&mut *self.inner, pending)?;
        }
        self.inner.flush()
    }
}

impl Drop for OutputWriter {
    fn drop(&mut self) {
        // Errors cannot be reported from drop; `flush` reports them.
        let _ = self.flush();
    }
}

impl std::fmt::Debug for OutputWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutputWriter")
            .field("line_buffered", &self.pending.is_some())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
