//! Copying a NAR from a reader to a writer through the parser, which checks
//! it on the way (C++ Nix's `copyNAR`). Since the reader accepts only the
//! canonical encoding of each tree, the copy is byte-identical to the input.

use std::io::{BufRead, Write};

use super::{reader, writer};

/// What can go wrong copying a NAR.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CopyError {
    /// The input is not a valid NAR, or reading it failed.
    #[error(transparent)]
    Read(#[from] reader::Error),
    /// Writing the copy failed.
    #[error("writing the NAR copy")]
    Write(#[from] writer::Error),
}

/// Reads the NAR at the start of `r`, checking it, and writes it to `w`;
/// returns its size. Stops right after the archive.
pub fn copy<R: BufRead, W: Write>(r: R, w: W) -> Result<u64, CopyError> {
    let mut reader = reader::Reader::new(r);
    let mut out = writer::Writer::new(w);
    copy_node(reader.root()?, out.root()?)?;
    let size = reader.finish()?;
    out.finish()?;
    Ok(size)
}

fn copy_node<R: BufRead, W: Write>(
    node: reader::Node<'_, R>,
    out: writer::Node<'_, W>,
) -> Result<(), CopyError> {
    match node {
        reader::Node::Symlink { target } => out.symlink(&target)?,
        reader::Node::File {
            executable,
            mut reader,
        } => {
            let mut file = out.file_writer(executable, reader.len())?;
            if let Err(e) = reader.copy_to(&mut file) {
                return Err(match reader::Error::from_io(e) {
                    Ok(nar) => nar.into(),
                    Err(io) => writer::Error::from(io).into(),
                });
            }
            file.close()?;
        }
        reader::Node::Directory(mut dir) => {
            let mut out = out.directory()?;
            while let Some(entry) = dir.next()? {
                copy_node(entry.node, out.entry(&entry.name)?)?;
            }
            out.close()?;
        }
    }
    Ok(())
}
