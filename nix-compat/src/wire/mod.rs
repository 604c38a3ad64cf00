//! The primitives of Nix's wire format, as the daemon and serve protocols (and
//! NAR, which is a sequence of padded strings) use them.
//!
//! - **Integers** are 8 bytes, little endian. Narrower C++ types are range
//!   checked on reading ([`Error::IntegerTooLarge`]).
//! - **Booleans** are integers: 0 is false, anything else true; written as 1.
//! - **Byte strings** are a length, the bytes, then zero bytes up to the next
//!   multiple of 8. Readers give a maximum length (the C++ daemon trusts the
//!   peer; we do not) and reject non-zero padding.
//! - **Lists and sets** are a count followed by the items; **maps** a count
//!   followed by key/value pairs. Reading a set drops duplicates and reading a
//!   map keeps the last value of a duplicated key, as C++ Nix does.
//! - **Framed streams** (protocol 1.23 and later, for NARs sent to the daemon)
//!   are unpadded frames, each a length and that many bytes, ended by an empty
//!   frame: [`FramedReader`] and [`FramedWriter`].
//! - [`ProtocolVersion`] is `major << 8 | minor`.
//!
//! The functions here work over [`std::io`]; `r#async` (feature `async`) has
//! the same over tokio.

mod framed;
mod sync;
mod version;

#[cfg(feature = "async")]
pub mod r#async;

pub use framed::{DEFAULT_FRAME_SIZE, FramedReader, FramedWriter};
pub use sync::{
    read_bool, read_bytes, read_list, read_map, read_set, read_string, read_u64, read_usize,
    write_bool, write_bytes, write_list, write_map, write_u64,
};
pub use version::ProtocolVersion;

use std::io;

/// Zero bytes to pad a string to a multiple of 8.
pub(crate) const ZEROS: [u8; 8] = [0; 8];

/// How many zero bytes follow a string of `len` bytes.
#[must_use]
pub const fn padding_len(len: u64) -> usize {
    // The remainder is below 8, so the cast cannot truncate.
    ((8 - len % 8) % 8) as usize
}

/// The length prefix of a string of `len` bytes.
#[must_use]
pub const fn len_prefix(len: u64) -> [u8; 8] {
    len.to_le_bytes()
}

/// Checks that `padding` (the bytes after a string) is all zeros.
pub(crate) fn padding_is_zero(padding: &[u8]) -> bool {
    padding.iter().all(|&b| b == 0)
}

/// What can go wrong reading or writing wire primitives.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The underlying reader or writer failed, or the input ended early
    /// ([`io::ErrorKind::UnexpectedEof`]).
    #[error(transparent)]
    Io(#[from] io::Error),
    /// A string is longer than the caller allows.
    #[error("string of {len} bytes is longer than the maximum of {max}")]
    TooLong {
        /// The length announced by the peer.
        len: u64,
        /// The caller's maximum.
        max: u64,
    },
    /// The padding after a string is not all zeros.
    #[error("non-zero padding after a string of {len} bytes")]
    NonZeroPadding {
        /// Length of the string the padding follows.
        len: u64,
    },
    /// A string that must be text is not UTF-8.
    #[error("string is not valid UTF-8")]
    InvalidUtf8(#[source] std::string::FromUtf8Error),
    /// A list, set or map has more items than the caller allows.
    #[error("collection of {count} items is larger than the maximum of {max}")]
    TooManyItems {
        /// The count announced by the peer.
        count: u64,
        /// The caller's maximum.
        max: u64,
    },
    /// An integer does not fit the type it is read as.
    #[error("serialised integer {value} is too large for type '{ty}'")]
    IntegerTooLarge {
        /// The value read.
        value: u64,
        /// The Rust type it was read as.
        ty: &'static str,
    },
    /// A protocol version with bits set above the low 16.
    #[error("invalid protocol version {0:#x}")]
    InvalidProtocolVersion(u64),
}

impl Error {
    /// Whether the input ended before the value was complete.
    #[must_use]
    pub fn is_eof(&self) -> bool {
        matches!(self, Error::Io(e) if e.kind() == io::ErrorKind::UnexpectedEof)
    }
}

impl From<Error> for io::Error {
    fn from(e: Error) -> Self {
        match e {
            Error::Io(e) => e,
            other => io::Error::new(io::ErrorKind::InvalidData, other),
        }
    }
}

#[cfg(test)]
mod tests;
