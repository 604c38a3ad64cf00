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
    sync::mpsc,
};

use crate::nar::writer::{self, Writer};

/// Size of the buffer file contents are read into.
const COPY_BUFFER: usize = 256 * 1024;

/// Size of the chunks the reading thread hands to the writing one.
const CHUNK: usize = 1024 * 1024;

/// Chunks in flight between the threads.
const PIPELINE_DEPTH: usize = 4;

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
/// bytes.
///
/// The file system is read on a helper thread while the calling thread writes
/// to `w` (in chunks of 1 MiB), so reading files overlaps with whatever `w`
/// does, such as hashing: `w` need not be `Send`.
pub fn dump_path<W: Write>(path: &Path, w: W) -> Result<u64, DumpError> {
    dump_path_with_progress(path, w, |_| {})
}

/// Like [`dump_path`], calling `progress` (on the calling thread) with the
/// number of NAR bytes written to `w` so far, after each chunk.
pub fn dump_path_with_progress<W: Write, F: FnMut(u64)>(
    path: &Path,
    mut w: W,
    mut progress: F,
) -> Result<u64, DumpError> {
    let (full_tx, full_rx) = mpsc::sync_channel::<Vec<u8>>(PIPELINE_DEPTH);
    let (empty_tx, empty_rx) = mpsc::channel::<Vec<u8>>();
    std::thread::scope(|scope| {
        let producer = scope.spawn(move || {
            let sink = ChunkSink {
                buf: Vec::with_capacity(CHUNK),
                full: full_tx,
                empty: empty_rx,
            };
            let mut sink = dump_to(path, sink)?;
            sink.send().map_err(|e| DumpError::Write(e.into()))?;
            Ok::<_, DumpError>(())
        });
        let mut written = 0u64;
        let mut write_error = None;
        for chunk in full_rx.iter() {
            if let Err(e) = w.write_all(&chunk) {
                write_error = Some(e);
                break;
            }
            written += chunk.len() as u64;
            progress(written);
            // The producer may be gone already; then the buffer is dropped.
            let _ = empty_tx.send(chunk);
        }
        // Unblocks a producer waiting to send, if writing failed.
        drop(full_rx);
        let produced = match producer.join() {
            Ok(result) => result,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        if let Some(e) = write_error {
            return Err(DumpError::Write(e.into()));
        }
        produced?;
        w.flush().map_err(|e| DumpError::Write(e.into()))?;
        Ok(written)
    })
}

/// Dumps `path` into `w` on the current thread.
fn dump_to<W: Write>(path: &Path, w: W) -> Result<W, DumpError> {
    let mut nar = Writer::new(w);
    let meta = lstat(path)?;
    let mut dumper = Dumper {
        buf: vec![0; COPY_BUFFER],
    };
    dumper.node(path, &meta, nar.root()?)?;
    Ok(nar.finish()?)
}

/// Collects the NAR into chunks and sends them to the writing thread.
struct ChunkSink {
    buf: Vec<u8>,
    full: mpsc::SyncSender<Vec<u8>>,
    empty: mpsc::Receiver<Vec<u8>>,
}

impl ChunkSink {
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let next = match self.empty.try_recv() {
            Ok(mut recycled) => {
                recycled.clear();
                recycled
            }
            Err(_) => Vec::with_capacity(CHUNK),
        };
        let chunk = std::mem::replace(&mut self.buf, next);
        self.full
            .send(chunk)
            .map_err(|_| io::Error::other("the NAR output stopped"))
    }
}

impl Write for ChunkSink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = data.len().min(CHUNK - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == CHUNK {
            self.send()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
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
