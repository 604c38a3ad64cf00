//! Recreating a file system tree from a NAR (`nix-store --restore`).

use std::{
    ffi::OsStr,
    fs::{self, OpenOptions, Permissions},
    io::{self, BufRead, Read, Write},
    os::unix::{
        ffi::OsStrExt,
        fs::{OpenOptionsExt, PermissionsExt},
    },
    path::{Path, PathBuf},
};

use crate::nar::reader::{self, FileReader, Node, Reader};

/// Size of the buffer file contents are copied through.
const COPY_BUFFER: usize = 256 * 1024;

/// What can go wrong restoring a NAR.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RestoreError {
    /// The archive is malformed, truncated, or could not be read.
    #[error(transparent)]
    Nar(#[from] reader::Error),
    /// The target (or, in a damaged tree, an entry) already exists.
    #[error("path '{}' already exists", path.display())]
    AlreadyExists {
        /// The path.
        path: PathBuf,
    },
    /// Creating or writing something failed.
    #[error("{op} '{}'", path.display())]
    Io {
        /// What was being done (`creating directory`, `creating file`, ...).
        op: &'static str,
        /// The path concerned.
        path: PathBuf,
        /// The error.
        #[source]
        source: io::Error,
    },
    /// A symlink target with a NUL byte, which no file system can store.
    /// (C++ Nix 2.26 silently cuts the target at the NUL instead.)
    #[error("symlink target of '{}' contains a NUL byte", path.display())]
    NulInTarget {
        /// The symlink's path.
        path: PathBuf,
    },
}

/// Restores the NAR read from `r` to `dest`, which must not exist, and
/// returns the archive's size. Reads exactly the archive: whatever follows it
/// in `r` is left there (`nix-store --restore` ignores it).
pub fn restore<R: BufRead>(r: R, dest: &Path) -> Result<u64, RestoreError> {
    let mut reader = Reader::new(r);
    restore_node(reader.root()?, dest)?;
    Ok(reader.finish()?)
}

/// Restores `node` (and everything below it) to `dest`, which must not exist.
pub fn restore_node<R: BufRead>(node: Node<'_, R>, dest: &Path) -> Result<(), RestoreError> {
    let mut buf = vec![0; COPY_BUFFER];
    restore_into(node, dest, &mut buf)
}

fn restore_into<R: BufRead>(
    node: Node<'_, R>,
    path: &Path,
    buf: &mut [u8],
) -> Result<(), RestoreError> {
    match node {
        Node::Symlink { target } => {
            if target.contains(&0) {
                return Err(RestoreError::NulInTarget {
                    path: path.to_owned(),
                });
            }
            std::os::unix::fs::symlink(OsStr::from_bytes(&target), path)
                .map_err(|e| io_error("creating symlink", path, e))?;
        }
        Node::File { executable, reader } => restore_file(reader, executable, path, buf)?,
        Node::Directory(mut dir) => {
            fs::create_dir(path).map_err(|e| io_error("creating directory", path, e))?;
            while let Some(entry) = dir.next()? {
                let child = path.join(OsStr::from_bytes(&entry.name));
                restore_into(entry.node, &child, buf)?;
            }
        }
    }
    Ok(())
}

fn restore_file<R: BufRead>(
    mut reader: FileReader<'_, R>,
    executable: bool,
    path: &Path,
    buf: &mut [u8],
) -> Result<(), RestoreError> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o666)
        .open(path)
        .map_err(|e| io_error("creating file", path, e))?;
    if executable {
        let mode = file
            .metadata()
            .map_err(|e| io_error("getting status of", path, e))?
            .permissions()
            .mode();
        file.set_permissions(Permissions::from_mode(mode | 0o111))
            .map_err(|e| io_error("making executable", path, e))?;
    }
    loop {
        let n = match reader.read(buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(match reader::Error::from_io(e) {
                    Ok(nar) => nar.into(),
                    Err(e) => io_error("reading the NAR for", path, e),
                });
            }
        };
        file.write_all(&buf[..n])
            .map_err(|e| io_error("writing file", path, e))?;
    }
    Ok(())
}

fn io_error(op: &'static str, path: &Path, source: io::Error) -> RestoreError {
    if source.kind() == io::ErrorKind::AlreadyExists {
        return RestoreError::AlreadyExists {
            path: path.to_owned(),
        };
    }
    RestoreError::Io {
        op,
        path: path.to_owned(),
        source,
    }
}
