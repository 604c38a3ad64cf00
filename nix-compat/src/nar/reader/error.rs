//! The error of the NAR readers: what is wrong ([`ErrorKind`]) and where (byte
//! offset in the archive, and path inside it).

use std::{fmt, io};

use bstr::BString;

use crate::nar::NameProblem;

/// A string the reader found where it expected a tag.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Got {
    /// The string itself.
    Text(BString),
    /// A string too long to be any tag, by length.
    Long(u64),
}

impl fmt::Display for Got {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Got::Text(s) => write!(f, "'{s}'"),
            Got::Long(len) => write!(f, "a string of {len} bytes"),
        }
    }
}

/// What is wrong with a NAR. The messages of malformations start like C++ Nix
/// 2.26's (`bad archive: ...`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Reading the underlying input failed.
    #[error("I/O error")]
    Io(#[source] io::Error),
    /// The input ended inside the archive.
    #[error("unexpected end-of-file")]
    UnexpectedEof,
    /// The input does not start with the NAR magic string.
    #[error("bad archive: input doesn't look like a Nix archive")]
    NotANar,
    /// A tag other than the one the grammar requires here.
    #[error("bad archive: expected tag {expected}, got {got}")]
    UnexpectedTag {
        /// The tag(s) allowed here, quoted.
        expected: &'static str,
        /// What was there.
        got: Got,
    },
    /// A node type other than `regular`, `symlink` or `directory`.
    #[error("bad archive: unknown file type {0}")]
    UnknownType(Got),
    /// The `executable` marker is followed by a non-empty string.
    #[error("bad archive: executable marker has non-empty value")]
    ExecutableMarkerValue,
    /// An entry name that is empty, `.`, `..`, or contains `/` or NUL.
    #[error("bad archive: NAR contains invalid file name '{name}' ({problem})")]
    InvalidName {
        /// The name.
        name: BString,
        /// Why it is invalid.
        problem: NameProblem,
    },
    /// An entry name not strictly greater than the previous one (bytewise):
    /// unsorted or duplicate entries.
    #[error("bad archive: NAR directory is not sorted ('{name}' after '{prev}')")]
    NotSorted {
        /// The previous entry's name.
        prev: BString,
        /// This entry's name.
        name: BString,
    },
    /// A padding byte is not zero.
    #[error("non-zero padding")]
    NonZeroPadding,
    /// A name or symlink target longer than we accept (see
    /// [`MAX_NAME_LEN`](crate::nar::MAX_NAME_LEN) and
    /// [`MAX_TARGET_LEN`](crate::nar::MAX_TARGET_LEN)).
    #[error("bad archive: {what} of {len} bytes is longer than the maximum of {max}")]
    TooLong {
        /// `file name` or `symlink target`.
        what: &'static str,
        /// Its length.
        len: u64,
        /// The maximum.
        max: u64,
    },
    /// The reader is used after it reported an error.
    #[error("the NAR reader failed earlier and cannot continue")]
    Poisoned,
    /// The root node was asked for twice.
    #[error("the root of the NAR was already opened")]
    RootAlreadyOpened,
}

/// A NAR reading error: its kind, the byte offset in the archive where the
/// offending token starts, and the path inside the archive (`/` for the root).
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    offset: u64,
    path: BString,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, offset: u64, path: BString) -> Self {
        Self { kind, offset, path }
    }

    /// What is wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// Consumes the error, returning what is wrong.
    pub fn into_kind(self) -> ErrorKind {
        self.kind
    }

    /// Byte offset in the archive of the token (or content byte) at fault.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Path inside the archive of the node being read (`/` for the root,
    /// `/dir/name` for entries).
    pub fn path(&self) -> &BString {
        &self.path
    }

    /// Recovers a NAR error that went through [`std::io::Read`] (as file
    /// readers must report errors), or gives back a plain I/O error.
    pub fn from_io(e: io::Error) -> Result<Self, io::Error> {
        if !e.get_ref().is_some_and(|inner| inner.is::<Error>()) {
            return Err(e);
        }
        let kind = e.kind();
        match e.into_inner() {
            Some(inner) => inner
                .downcast::<Error>()
                .map(|nar| *nar)
                .map_err(|other| io::Error::new(kind, other)),
            None => Err(io::Error::from(kind)),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Io(_) => write!(f, "reading the NAR")?,
            kind => write!(f, "{kind}")?,
        }
        write!(f, " at byte {} (path '{}')", self.offset, self.path)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Io(e) => Some(e),
            _ => None,
        }
    }
}

/// Errors leave through [`std::io::Read`] wrapped in an [`io::Error`] whose
/// kind says what happened ([`io::ErrorKind::UnexpectedEof`] for truncation,
/// [`io::ErrorKind::InvalidData`] for malformations, the original kind for
/// I/O errors); [`Error::from_io`] unwraps them.
impl From<Error> for io::Error {
    fn from(e: Error) -> Self {
        let kind = match &e.kind {
            ErrorKind::Io(inner) => inner.kind(),
            ErrorKind::UnexpectedEof => io::ErrorKind::UnexpectedEof,
            ErrorKind::Poisoned | ErrorKind::RootAlreadyOpened => io::ErrorKind::Other,
            _ => io::ErrorKind::InvalidData,
        };
        io::Error::new(kind, e)
    }
}
