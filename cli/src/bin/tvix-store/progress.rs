//! Dumping a path as a NAR with a progress bar (a tvix-tracing progress span
//! counting NAR bytes; drawn only when stderr is a terminal).

use std::{io::Write, path::Path};

use nix_compat::nar;
use tvix_tracing::{ProgressSpanExt, ProgressStyle, progress_span};

/// Writes the NAR of `path` to `w`, returning its size. A missing `path` is
/// reported as C++ Nix reports it: `path '/abs/path' does not exist`.
pub(crate) fn dump_path<W: Write>(path: &Path, w: W) -> anyhow::Result<u64> {
    if let Err(e) = std::fs::symlink_metadata(path) {
        if e.kind() == std::io::ErrorKind::NotFound {
            let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
            anyhow::bail!("path '{}' does not exist", absolute.display());
        }
    }
    let span = progress_span!("dump_path", path = %path.display());
    span.progress_set_style(ProgressStyle::ByteStream);
    let _entered = span.enter();
    let size = nar::fs::dump_path_with_progress(path, w, |written| {
        span.progress_set_position(written);
    })?;
    tracing::debug!(size, "dumped");
    Ok(size)
}
