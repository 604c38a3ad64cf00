//! What is inside a NAR, without the contents: the data behind `nix nar ls`,
//! `nix nar cat` and the `.ls` listings binary caches write.
//!
//! - [`Listing::from_reader`] reads a whole NAR (checking it, skipping file
//!   contents) into a tree of [`ListingEntry`], recording each file's size and
//!   offset in the archive.
//! - [`ListingEntry::lookup`] finds a path as C++ Nix does: the path is made
//!   canonical first (`.`, `..` and empty components dropped, `..` stopping at
//!   the root) and symlinks inside the NAR are not followed.
//! - [`render_text`] prints what `nix nar ls [-R] [-l] [-d]` prints, byte for
//!   byte; with feature `serde`, [`render_json`] prints `nix nar ls --json
//!   [-R]`, and [`Listing`] serialises to (and parses) the `.ls` file shape
//!   `{"root":...,"version":1}`.
//! - [`cat`] and [`cat_stream`] extract one file, as `nix nar cat`.
//!
//! C++ Nix reads the whole archive before answering, so a malformed NAR is an
//! error even when the path asked for comes before the damage; so are these
//! functions (except that [`cat_stream`] writes the contents before it has
//! checked the rest).

#[cfg(feature = "serde")]
mod json;
mod text;

#[cfg(feature = "serde")]
pub use json::render_json;
pub use text::{LsOptions, render_text};

use std::{
    collections::BTreeMap,
    io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write},
};

use bstr::{BString, ByteSlice};

use crate::nar::reader::{self, Node, Reader};

/// A node of a NAR without its contents.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ListingEntry {
    /// A regular file.
    Regular {
        /// Size of the contents in bytes.
        size: u64,
        /// Whether the executable marker is set.
        executable: bool,
        /// Offset of the contents in the archive (`narOffset`).
        nar_offset: u64,
    },
    /// A symbolic link.
    Symlink {
        /// Its target.
        target: BString,
    },
    /// A directory.
    Directory {
        /// Its entries, sorted by name.
        entries: BTreeMap<BString, ListingEntry>,
    },
}

/// The listing of a whole NAR (the root node), as a `.ls` file holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// The root node.
    pub root: ListingEntry,
}

/// A path that is not in the NAR.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LookupError {
    /// Nothing at this (canonical) path. C++ Nix prints it as
    /// `path '«unknown»/a/b' does not exist`.
    #[error("path '{path}' does not exist")]
    NotFound {
        /// The canonical path, starting with `/`.
        path: BString,
    },
}

/// What can go wrong extracting a file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CatError {
    /// The NAR is malformed or could not be read.
    #[error(transparent)]
    Nar(#[from] reader::Error),
    /// The path is not in the NAR.
    #[error(transparent)]
    Lookup(#[from] LookupError),
    /// The path is a directory or a symlink.
    #[error("path '{path}' is not a regular file")]
    NotARegularFile {
        /// The path as given.
        path: BString,
    },
    /// Seeking in the NAR, or writing the contents, failed.
    #[error("copying the file contents")]
    Io(#[source] io::Error),
}

impl Listing {
    /// Reads and checks the whole NAR at the start of `r` (not what follows
    /// it), skipping file contents.
    pub fn from_reader<R: BufRead>(r: R) -> Result<Self, reader::Error> {
        let mut reader = Reader::new(r);
        let root = ListingEntry::from_node(reader.root()?)?;
        reader.finish()?;
        Ok(Self { root })
    }
}

impl ListingEntry {
    /// Reads `node` and everything below it, skipping file contents.
    pub fn from_node<R: BufRead>(node: Node<'_, R>) -> Result<Self, reader::Error> {
        Ok(match node {
            Node::Symlink { target } => ListingEntry::Symlink { target },
            Node::File { executable, reader } => ListingEntry::Regular {
                size: reader.len(),
                executable,
                nar_offset: reader.nar_offset(),
            },
            Node::Directory(mut dir) => {
                let mut entries = BTreeMap::new();
                while let Some(entry) = dir.next()? {
                    let child = ListingEntry::from_node(entry.node)?;
                    entries.insert(entry.name, child);
                }
                ListingEntry::Directory { entries }
            }
        })
    }

    /// The entry at `path` (see the [module docs](self) for how paths are
    /// read).
    pub fn lookup(&self, path: &[u8]) -> Result<&ListingEntry, LookupError> {
        let components = canonical_components(path);
        let mut current = self;
        for name in &components {
            let found = match current {
                ListingEntry::Directory { entries } => entries.get(name.as_bstr()),
                _ => None,
            };
            current = found.ok_or_else(|| LookupError::NotFound {
                path: canonical_path(&components),
            })?;
        }
        Ok(current)
    }
}

/// The components of `path` after C++ `CanonPath` normalisation.
pub(crate) fn canonical_components(path: &[u8]) -> Vec<&[u8]> {
    let mut out: Vec<&[u8]> = Vec::new();
    for component in path.split(|&b| b == b'/') {
        match component {
            b"" | b"." => {}
            b".." => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

fn canonical_path(components: &[&[u8]]) -> BString {
    if components.is_empty() {
        return BString::from("/");
    }
    let mut out = BString::default();
    for c in components {
        out.push(b'/');
        out.extend_from_slice(c);
    }
    out
}

/// Writes the contents of the file at `path` in the NAR read from `nar` (a
/// seekable input, positioned at the start of the archive) to `out`, and
/// returns their size. The whole NAR is checked first, as `nix nar cat` does.
pub fn cat<R: Read + Seek, W: Write + ?Sized>(
    mut nar: R,
    path: &[u8],
    out: &mut W,
) -> Result<u64, CatError> {
    let start = nar.stream_position().map_err(CatError::Io)?;
    let listing = Listing::from_reader(BufReader::with_capacity(64 * 1024, &mut nar))?;
    let ListingEntry::Regular {
        size, nar_offset, ..
    } = listing.root.lookup(path)?
    else {
        return Err(CatError::NotARegularFile { path: path.into() });
    };
    nar.seek(SeekFrom::Start(start + nar_offset))
        .map_err(CatError::Io)?;
    let copied = io::copy(&mut nar.take(*size), out).map_err(CatError::Io)?;
    if copied < *size {
        return Err(CatError::Io(io::ErrorKind::UnexpectedEof.into()));
    }
    Ok(copied)
}

/// Like [`cat`] for a NAR that can only be read once: the contents are
/// written as they go by, then the rest of the archive is checked (so on a NAR
/// damaged after the file, the contents are written and then an error is
/// returned, where C++ Nix writes nothing).
pub fn cat_stream<R: BufRead, W: Write + ?Sized>(
    r: R,
    path: &[u8],
    out: &mut W,
) -> Result<u64, CatError> {
    let components = canonical_components(path);
    let mut reader = Reader::new(r);
    let found = find_and_copy(reader.root()?, &components, out);
    // The archive is checked to the end whatever was found, and its errors
    // come first.
    reader.finish()?;
    match found? {
        Found::File(size) => Ok(size),
        Found::Other => Err(CatError::NotARegularFile { path: path.into() }),
        Found::Missing => Err(LookupError::NotFound {
            path: canonical_path(&components),
        }
        .into()),
    }
}

enum Found {
    File(u64),
    Other,
    Missing,
}

fn find_and_copy<R: BufRead, W: Write + ?Sized>(
    node: Node<'_, R>,
    components: &[&[u8]],
    out: &mut W,
) -> Result<Found, CatError> {
    let Some((first, rest)) = components.split_first() else {
        return match node {
            Node::File { mut reader, .. } => {
                let copied = reader.copy_to(out).map_err(|e| {
                    reader::Error::from_io(e).map_or_else(CatError::Io, CatError::Nar)
                })?;
                Ok(Found::File(copied))
            }
            _ => Ok(Found::Other),
        };
    };
    let Node::Directory(mut dir) = node else {
        return Ok(Found::Missing);
    };
    while let Some(entry) = dir.next()? {
        if entry.name.as_slice() == *first {
            return find_and_copy(entry.node, rest, out);
        }
    }
    Ok(Found::Missing)
}

#[cfg(test)]
mod tests;
