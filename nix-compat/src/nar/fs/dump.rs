//! Serialising a file system path as a NAR (`nix-store --dump`).

use std::{
    ffi::OsString,
    fs::{self, File, Metadata},
    io::{self, Read, Write},
    os::unix::{
        ffi::{OsStrExt, OsStringExt},
        fs::{FileTypeExt, PermissionsExt},
    },
    path::{Path, PathBuf},
};

use crate::nar::writer::{self, Writer};

/// Size of the buffer file contents are streamed through.
const COPY_BUFFER: usize = 256 * 1024;

/// What can go wrong dumping a path.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DumpError {
    /// Reading the file system failed.
    #[error("{op} '{}'", path.display())]
    Io {
        /// What was being done (`getting status of`, `opening file`, ...).
        op: &'static str,
        /// The path concerned.
        path: PathBuf,
        /// The error.
        #[source]
        source: io::Error,
    },
    /// A socket, FIFO, device or other file a NAR cannot hold.
    #[error("file '{}' has an unsupported type ({kind})", path.display())]
    UnsupportedType {
        /// The file.
        path: PathBuf,
        /// `socket`, `fifo`, `character device`, `block device` or `unknown`.
        kind: &'static str,
    },
    /// A file ended before the size it had when opened.
    #[error("unexpected end-of-file reading '{}' (it shrank while being dumped)", path.display())]
    Shrank {
        /// The file.
        path: PathBuf,
    },
    /// Writing the NAR failed (the output's I/O error, or the writer refused
    /// a name it cannot represent, such as one longer than
    /// [`MAX_NAME_LEN`](crate::nar::MAX_NAME_LEN)).
    #[error("writing the NAR")]
    Write(#[from] writer::Error),
}

/// Writes the NAR serialisation of `path` to `w` and returns its size in
/// bytes. `w` gets many small writes (a few per file) besides the contents;
/// wrap unbuffered outputs in a [`std::io::BufWriter`].
pub fn dump_path<W: Write>(path: &Path, w: W) -> Result<u64, DumpError> {
    dump_path_with_progress(path, w, |_| {})
}

/// Like [`dump_path`], calling `progress` with the number of NAR bytes written
/// so far after each write (at least every 256 KiB of contents).
pub fn dump_path_with_progress<W: Write, F: FnMut(u64)>(
    path: &Path,
    w: W,
    progress: F,
) -> Result<u64, DumpError> {
    let out = Counting {
        inner: w,
        count: 0,
        progress,
    };
    let mut nar = Writer::new(out);
    let meta = lstat(path)?;
    let mut dumper = Dumper {
        buf: vec![0; COPY_BUFFER],
    };
    dumper.node(path, &meta, nar.root()?)?;
    let out = nar.finish()?;
    Ok(out.count)
}

fn lstat(path: &Path) -> Result<Metadata, DumpError> {
    fs::symlink_metadata(path).map_err(|source| DumpError::Io {
        op: "getting status of",
        path: path.to_owned(),
        source,
    })
}

struct Dumper {
    buf: Vec<u8>,
}

impl Dumper {
    fn node<W: Write>(
        &mut self,
        path: &Path,
        meta: &Metadata,
        node: writer::Node<'_, W>,
    ) -> Result<(), DumpError> {
        let ft = meta.file_type();
        if ft.is_symlink() {
            let target = fs::read_link(path).map_err(|source| DumpError::Io {
                op: "reading symbolic link",
                path: path.to_owned(),
                source,
            })?;
            node.symlink(target.as_os_str().as_bytes())?;
        } else if ft.is_file() {
            self.file(path, meta, node)?;
        } else if ft.is_dir() {
            self.directory(path, node)?;
        } else {
            let kind = if ft.is_socket() {
                "socket"
            } else if ft.is_fifo() {
                "fifo"
            } else if ft.is_char_device() {
                "character device"
            } else if ft.is_block_device() {
                "block device"
            } else {
                "unknown"
            };
            return Err(DumpError::UnsupportedType {
                path: path.to_owned(),
                kind,
            });
        }
        Ok(())
    }

    fn file<W: Write>(
        &mut self,
        path: &Path,
        meta: &Metadata,
        node: writer::Node<'_, W>,
    ) -> Result<(), DumpError> {
        let io_err = |op: &'static str| {
            move |source| DumpError::Io {
                op,
                path: path.to_owned(),
                source,
            }
        };
        let mut file = File::open(path).map_err(io_err("opening file"))?;
        // Like C++ Nix, the size is that of the opened file.
        let size = file.metadata().map_err(io_err("getting status of"))?.len();
        let executable = meta.permissions().mode() & 0o100 != 0;
        let mut out = node.file_writer(executable, size)?;
        let mut left = size;
        while left > 0 {
            let want = usize::try_from(left)
                .unwrap_or(usize::MAX)
                .min(self.buf.len());
            let n = match file.read(&mut self.buf[..want]) {
                Ok(0) => {
                    return Err(DumpError::Shrank {
                        path: path.to_owned(),
                    });
                }
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io_err("reading file")(e)),
            };
            out.write_all(&self.buf[..n])
                .map_err(|e| DumpError::Write(e.into()))?;
            left -= n as u64;
        }
        out.close()?;
        Ok(())
    }

    fn directory<W: Write>(
        &mut self,
        path: &Path,
        node: writer::Node<'_, W>,
    ) -> Result<(), DumpError> {
        let read_err = |source| DumpError::Io {
            op: "reading directory",
            path: path.to_owned(),
            source,
        };
        let mut names: Vec<Vec<u8>> = Vec::new();
        for entry in fs::read_dir(path).map_err(read_err)? {
            let entry = entry.map_err(read_err)?;
            names.push(entry.file_name().into_vec());
        }
        // Raw byte order, as C++ Nix's std::map<std::string, ...>.
        names.sort_unstable();
        let mut dir = node.directory()?;
        for name in names {
            let child = path.join(OsString::from_vec(name.clone()));
            let meta = lstat(&child)?;
            self.node(&child, &meta, dir.entry(&name)?)?;
        }
        dir.close()?;
        Ok(())
    }
}

/// Counts the bytes written and reports the total.
struct Counting<W, F> {
    inner: W,
    count: u64,
    progress: F,
}

impl<W: Write, F: FnMut(u64)> Write for Counting<W, F> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count += n as u64;
        (self.progress)(self.count);
        Ok(n)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.inner.write_all(buf)?;
        self.count += buf.len() as u64;
        (self.progress)(self.count);
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
