//! [`ProtocolVersion`]: the `major << 8 | minor` number both sides of the daemon
//! and serve protocols exchange in their handshakes.

use std::fmt;

use super::Error;

/// A protocol version: major in the high byte, minor in the low byte. Ordered
/// as the number (so by major, then minor).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProtocolVersion(u16);

impl ProtocolVersion {
    /// The version with the given major and minor numbers.
    #[must_use]
    pub const fn from_parts(major: u8, minor: u8) -> Self {
        Self(((major as u16) << 8) | minor as u16)
    }

    /// The major number (the high byte).
    #[must_use]
    pub const fn major(self) -> u8 {
        self.0.to_be_bytes()[0]
    }

    /// The minor number (the low byte).
    #[must_use]
    pub const fn minor(self) -> u8 {
        self.0.to_be_bytes()[1]
    }

    /// The 16-bit number.
    #[must_use]
    pub const fn as_u16(self) -> u16 {
        self.0
    }
}

impl From<u16> for ProtocolVersion {
    fn from(value: u16) -> Self {
        Self(value)
    }
}

impl From<ProtocolVersion> for u16 {
    fn from(value: ProtocolVersion) -> Self {
        value.0
    }
}

impl From<ProtocolVersion> for u64 {
    fn from(value: ProtocolVersion) -> Self {
        value.0.into()
    }
}

/// Reads the u64 the wire carries; bits above the low 16 are an error.
impl TryFrom<u64> for ProtocolVersion {
    type Error = Error;

    fn try_from(value: u64) -> Result<Self, Error> {
        u16::try_from(value)
            .map(Self)
            .map_err(|_| Error::InvalidProtocolVersion(value))
    }
}

/// `major.minor`, as Nix prints it.
impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major(), self.minor())
    }
}
