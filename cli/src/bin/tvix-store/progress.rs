//! Dumping a path as a NAR with a progress bar (a tvix-tracing progress span
//! counting NAR bytes; drawn only when stderr is a terminal).

use std::{io::Write, path::Path};

use nix_compat::nar;
use tvix_tracing::{ProgressSpanExt, ProgressStyle, progress_span};

/// Writes the NAR of `path` to `w`, returning its size.
pub(crate) fn dump_path<W: Write>(path: &Path, w: W) -> Result<u64, nar::fs::DumpError> {
    let span = progress_span!("dump_path", path = %path.display());
    span.progress_set_style(ProgressStyle::ByteStream);
    let _entered = span.enter();
    let size = nar::fs::dump_path_with_progress(path, w, |written| {
        span.progress_set_position(written);
    })?;
    tracing::debug!(size, "dumped");
    Ok(size)
}
