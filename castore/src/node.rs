//! Nodes of a castore tree: [`Node`] (a directory, file or symlink, without a
//! name), the validated entry [`Name`] and the validated [`SymlinkTarget`].
//!
//! Names and targets are raw bytes (not necessarily UTF-8), as file names on Unix.
//! Validation happens once, when a value is constructed; everything holding a
//! `Name` or `SymlinkTarget` can rely on it.

use std::fmt;

use bytes::Bytes;

use crate::B3Digest;

/// Longest entry name accepted, in bytes (as `NAME_MAX` on Linux).
pub const MAX_NAME_LEN: usize = 255;
/// Longest symlink target accepted, in bytes (as `PATH_MAX - 1` on Linux).
pub const MAX_TARGET_LEN: usize = 4095;

/// A node of a tree. Nodes carry no name: names live in the [`Directory`](crate::Directory)
/// that lists them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Node {
    /// A directory, by the digest of its canonical encoding.
    Directory {
        /// Digest of the [`Directory`](crate::Directory).
        digest: B3Digest,
        /// Its size, as defined by [`Directory::size`](crate::Directory::size).
        size: u64,
    },
    /// A regular file.
    File {
        /// BLAKE3 digest of the contents (the blob digest).
        digest: B3Digest,
        /// Length of the contents in bytes.
        size: u64,
        /// Whether the file is executable.
        executable: bool,
    },
    /// A symbolic link.
    Symlink {
        /// The link's target.
        target: SymlinkTarget,
    },
}

/// A valid directory entry name: 1 to 255 bytes, no `/`, no NUL, not `.` or `..`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name(Bytes);

/// Why bytes are not a valid [`Name`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameError {
    /// The name is empty.
    #[error("empty name")]
    Empty,
    /// The name is `.` or `..`.
    #[error("name {0:?} is not allowed")]
    Dot(String),
    /// The name contains a `/`.
    #[error("name {0:?} contains a slash")]
    Slash(String),
    /// The name contains a NUL byte.
    #[error("name {0:?} contains a NUL byte")]
    Nul(String),
    /// The name is longer than [`MAX_NAME_LEN`].
    #[error("name of {0} bytes is longer than {MAX_NAME_LEN}")]
    TooLong(usize),
}

impl Name {
    /// Validates `b` as a name.
    pub fn new(b: impl Into<Bytes>) -> Result<Self, NameError> {
        let b: Bytes = b.into();
        let show = || String::from_utf8_lossy(&b).into_owned();
        if b.is_empty() {
            Err(NameError::Empty)
        } else if b.len() > MAX_NAME_LEN {
            Err(NameError::TooLong(b.len()))
        } else if b.as_ref() == b"." || b.as_ref() == b".." {
            Err(NameError::Dot(show()))
        } else if b.contains(&b'/') {
            Err(NameError::Slash(show()))
        } else if b.contains(&0) {
            Err(NameError::Nul(show()))
        } else {
            Ok(Self(b))
        }
    }

    /// The raw bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The raw bytes, shared.
    #[must_use]
    pub fn to_bytes(&self) -> Bytes {
        self.0.clone()
    }
}

impl TryFrom<&str> for Name {
    type Error = NameError;
    fn try_from(s: &str) -> Result<Self, NameError> {
        Self::new(Bytes::copy_from_slice(s.as_bytes()))
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.0))
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(&self.0))
    }
}

/// A valid symlink target: 1 to 4095 bytes, no NUL. It may be absolute or contain `..`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SymlinkTarget(Bytes);

/// Why bytes are not a valid [`SymlinkTarget`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SymlinkTargetError {
    /// The target is empty.
    #[error("empty symlink target")]
    Empty,
    /// The target contains a NUL byte.
    #[error("symlink target {0:?} contains a NUL byte")]
    Nul(String),
    /// The target is longer than [`MAX_TARGET_LEN`].
    #[error("symlink target of {0} bytes is longer than {MAX_TARGET_LEN}")]
    TooLong(usize),
}

impl SymlinkTarget {
    /// Validates `b` as a symlink target.
    pub fn new(b: impl Into<Bytes>) -> Result<Self, SymlinkTargetError> {
        let b: Bytes = b.into();
        if b.is_empty() {
            Err(SymlinkTargetError::Empty)
        } else if b.len() > MAX_TARGET_LEN {
            Err(SymlinkTargetError::TooLong(b.len()))
        } else if b.contains(&0) {
            Err(SymlinkTargetError::Nul(
                String::from_utf8_lossy(&b).into_owned(),
            ))
        } else {
            Ok(Self(b))
        }
    }

    /// The raw bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The raw bytes, shared.
    #[must_use]
    pub fn to_bytes(&self) -> Bytes {
        self.0.clone()
    }
}

impl TryFrom<&str> for SymlinkTarget {
    type Error = SymlinkTargetError;
    fn try_from(s: &str) -> Result<Self, SymlinkTargetError> {
        Self::new(Bytes::copy_from_slice(s.as_bytes()))
    }
}

impl fmt::Display for SymlinkTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.0))
    }
}

impl fmt::Debug for SymlinkTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(&self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[rstest::rstest]
    #[case(b"".as_slice(), NameError::Empty)]
    #[case(b".", NameError::Dot(".".into()))]
    #[case(b"..", NameError::Dot("..".into()))]
    #[case(b"a/b", NameError::Slash("a/b".into()))]
    #[case(b"a\0b", NameError::Nul("a\0b".into()))]
    #[case(&[b'x'; 256], NameError::TooLong(256))]
    fn invalid_names(#[case] b: &[u8], #[case] err: NameError) {
        assert_eq!(Name::new(b.to_vec()), Err(err));
    }

    #[rstest::rstest]
    #[case(b"a".as_slice())]
    #[case(b"...")]
    #[case(b".hidden")]
    #[case(b"\xff\xfe not utf-8")]
    #[case(&[b'x'; 255])]
    fn valid_names(#[case] b: &[u8]) {
        assert_eq!(Name::new(b.to_vec()).expect("valid").as_bytes(), b);
    }

    #[rstest::rstest]
    #[case(b"".as_slice(), SymlinkTargetError::Empty)]
    #[case(b"a\0", SymlinkTargetError::Nul("a\0".into()))]
    #[case(&[b'x'; 4096], SymlinkTargetError::TooLong(4096))]
    fn invalid_targets(#[case] b: &[u8], #[case] err: SymlinkTargetError) {
        assert_eq!(SymlinkTarget::new(b.to_vec()), Err(err));
    }

    #[test]
    fn targets_may_be_absolute_or_climb() {
        for t in ["/nix/store/x", "../../a", "a/./b", "x"] {
            assert!(SymlinkTarget::try_from(t).is_ok(), "{t}");
        }
    }
}
