//! `EvalIO`: every way the language touches the outside world.
//!
//! File reads (`import`, `readFile`, `readDir`, `pathExists`, ...), the
//! environment (`getEnv`) and "copying a path to the store" (what `"${./p}"`
//! means) go through this trait, so an embedder decides: [`StdIO`] reads the
//! local filesystem and imports paths as themselves; [`DummyIO`] forbids
//! everything; `tvix-glue` implements it over a store.

use std::io;

use crate::{NixString, errors::Error, errors::ErrorKind};

/// The type of a directory entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileType {
    /// A directory.
    Directory,
    /// A regular file.
    Regular,
    /// A symbolic link.
    Symlink,
    /// Anything else.
    Unknown,
}

impl FileType {
    /// The name `builtins.readDir`/`readFileType` report.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            FileType::Directory => "directory",
            FileType::Regular => "regular",
            FileType::Symlink => "symlink",
            FileType::Unknown => "unknown",
        }
    }
}

/// The outside world as the evaluator sees it. Paths are bytes (absolute).
pub trait EvalIO {
    /// Whether a path exists (without following a final symlink).
    fn path_exists(&self, path: &[u8]) -> io::Result<bool>;
    /// The contents of a file.
    fn read_file(&self, path: &[u8]) -> io::Result<Vec<u8>>;
    /// The type of a file (not following a final symlink).
    fn file_type(&self, path: &[u8]) -> io::Result<FileType>;
    /// Whether a path is a directory once every symlink, the final one
    /// included, is followed (`false` when it does not exist).
    fn is_directory(&self, path: &[u8]) -> io::Result<bool> {
        Ok(matches!(self.file_type(path), Ok(FileType::Directory)))
    }
    /// The entries of a directory.
    fn read_dir(&self, path: &[u8]) -> io::Result<Vec<(Vec<u8>, FileType)>>;
    /// An environment variable (`builtins.getEnv`).
    fn get_env(&self, name: &[u8]) -> Option<Vec<u8>>;
    /// What coercing a path to a string yields (`"${./p}"`): a store path
    /// with its context when a store exists.
    fn import_path(&self, path: &[u8]) -> Result<NixString, Error> {
        let _ = path;
        Err(Error::new(
            ErrorKind::Io,
            "cannot copy a path to the store: this evaluation has no store",
        ))
    }
    /// The store directory (`builtins.storeDir`), if there is a store.
    fn store_dir(&self) -> Option<Vec<u8>> {
        None
    }
}

/// The local filesystem and process environment; paths import as themselves.
#[derive(Debug, Default)]
pub struct StdIO;

fn os(path: &[u8]) -> std::path::PathBuf {
    crate::eval::bytes_to_path(path)
}

fn file_type_of(m: &std::fs::FileType) -> FileType {
    if m.is_symlink() {
        FileType::Symlink
    } else if m.is_dir() {
        FileType::Directory
    } else if m.is_file() {
        FileType::Regular
    } else {
        FileType::Unknown
    }
}

impl EvalIO for StdIO {
    fn path_exists(&self, path: &[u8]) -> io::Result<bool> {
        match std::fs::symlink_metadata(os(path)) {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) if e.raw_os_error() == Some(20) => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn read_file(&self, path: &[u8]) -> io::Result<Vec<u8>> {
        std::fs::read(os(path))
    }

    fn file_type(&self, path: &[u8]) -> io::Result<FileType> {
        Ok(file_type_of(
            &std::fs::symlink_metadata(os(path))?.file_type(),
        ))
    }

    fn is_directory(&self, path: &[u8]) -> io::Result<bool> {
        match std::fs::metadata(os(path)) {
            Ok(m) => Ok(m.is_dir()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) if e.raw_os_error() == Some(20) => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn read_dir(&self, path: &[u8]) -> io::Result<Vec<(Vec<u8>, FileType)>> {
        use std::os::unix::ffi::OsStrExt;
        let mut out = Vec::new();
        for e in std::fs::read_dir(os(path))? {
            let e = e?;
            out.push((
                e.file_name().as_bytes().to_vec(),
                file_type_of(&e.file_type()?),
            ));
        }
        Ok(out)
    }

    fn get_env(&self, name: &[u8]) -> Option<Vec<u8>> {
        use std::os::unix::ffi::{OsStrExt, OsStringExt};
        std::env::var_os(std::ffi::OsStr::from_bytes(name)).map(|v| v.into_vec())
    }

    fn import_path(&self, path: &[u8]) -> Result<NixString, Error> {
        Ok(NixString::new(path))
    }
}

/// Forbids every access: for pure, sandboxed evaluation.
#[derive(Debug, Default)]
pub struct DummyIO;

fn denied() -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        "I/O is disabled in this evaluation",
    )
}

impl EvalIO for DummyIO {
    fn path_exists(&self, _: &[u8]) -> io::Result<bool> {
        Err(denied())
    }
    fn read_file(&self, _: &[u8]) -> io::Result<Vec<u8>> {
        Err(denied())
    }
    fn file_type(&self, _: &[u8]) -> io::Result<FileType> {
        Err(denied())
    }
    fn read_dir(&self, _: &[u8]) -> io::Result<Vec<(Vec<u8>, FileType)>> {
        Err(denied())
    }
    fn get_env(&self, _: &[u8]) -> Option<Vec<u8>> {
        None
    }
}
