//! Dumping a path as a NAR, with a progress report while it runs.

use std::{io::Write, path::Path};

use nix_compat::nar;

/// Writes the NAR of `path` to `w`, returning its size.
pub(crate) fn dump_path<W: Write>(path: &Path, w: W) -> Result<u64, nar::fs::DumpError> {
    nar::fs::dump_path_with_progress(path, w, |_written| {})
}
