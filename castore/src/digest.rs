//! [`B3Digest`]: the 32-byte BLAKE3 digest that names every blob, chunk and
//! directory in castore.
//!
//! Its one text encoding is `blake3-` followed by the standard, padded base64 of
//! the 32 bytes (the SRI-like form snix uses), e.g. the empty blob is
//! `blake3-rxNJufX5oaagQE3qNtzJSZvLJcmtwRK3zJqTyuQfMmI=`. [`Display`] writes it
//! and [`FromStr`] accepts exactly it; the CLI prints and reads this form.

use std::{fmt, str::FromStr};

use data_encoding::BASE64;

/// Prefix of the text encoding of a [`B3Digest`].
pub const B3_PREFIX: &str = "blake3-";

/// A BLAKE3 digest (32 bytes).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct B3Digest([u8; 32]);

/// Why bytes or text are not a [`B3Digest`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DigestError {
    /// The digest does not have 32 bytes.
    #[error("invalid digest length: {0} bytes, expected 32")]
    InvalidLength(usize),
    /// The text does not start with `blake3-`.
    #[error("digest {0:?} does not start with \"blake3-\"")]
    MissingPrefix(String),
    /// The text after the prefix is not valid padded base64.
    #[error("digest {0:?} is not valid base64")]
    InvalidBase64(String),
}

impl B3Digest {
    /// Length of a digest in bytes.
    pub const LENGTH: usize = 32;

    /// Wraps 32 raw bytes.
    #[must_use]
    pub const fn new(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Digest of `data`.
    #[must_use]
    pub fn of(data: &[u8]) -> Self {
        Self(*blake3::hash(data).as_bytes())
    }

    /// The raw bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Lower-case hex of the raw bytes (used in object and file names).
    #[must_use]
    pub fn to_hex(&self) -> String {
        data_encoding::HEXLOWER.encode(&self.0)
    }
}

impl From<blake3::Hash> for B3Digest {
    fn from(h: blake3::Hash) -> Self {
        Self(*h.as_bytes())
    }
}

impl From<[u8; 32]> for B3Digest {
    fn from(b: [u8; 32]) -> Self {
        Self(b)
    }
}

impl TryFrom<&[u8]> for B3Digest {
    type Error = DigestError;
    fn try_from(b: &[u8]) -> Result<Self, DigestError> {
        <[u8; 32]>::try_from(b)
            .map(Self)
            .map_err(|_| DigestError::InvalidLength(b.len()))
    }
}

impl TryFrom<&bytes::Bytes> for B3Digest {
    type Error = DigestError;
    fn try_from(b: &bytes::Bytes) -> Result<Self, DigestError> {
        Self::try_from(b.as_ref())
    }
}

impl AsRef<[u8]> for B3Digest {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Display for B3Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{B3_PREFIX}{}", BASE64.encode(&self.0))
    }
}

impl fmt::Debug for B3Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for B3Digest {
    type Err = DigestError;
    fn from_str(s: &str) -> Result<Self, DigestError> {
        let b64 = s
            .strip_prefix(B3_PREFIX)
            .ok_or_else(|| DigestError::MissingPrefix(s.to_owned()))?;
        let bytes = BASE64
            .decode(b64.as_bytes())
            .map_err(|_| DigestError::InvalidBase64(s.to_owned()))?;
        Self::try_from(bytes.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn empty_blob_text_form() {
        let d = B3Digest::of(b"");
        assert_eq!(
            d.to_string(),
            "blake3-rxNJufX5oaagQE3qNtzJSZvLJcmtwRK3zJqTyuQfMmI="
        );
        assert_eq!(
            d.to_hex(),
            "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
        );
    }

    #[rstest::rstest]
    #[case("rxNJufX5oaagQE3qNtzJSZvLJcmtwRK3zJqTyuQfMmI=", "does not start")]
    #[case("b3:rxNJufX5oaagQE3qNtzJSZvLJcmtwRK3zJqTyuQfMmI=", "does not start")]
    #[case(
        "blake3-rxNJufX5oaagQE3qNtzJSZvLJcmtwRK3zJqTyuQfMm",
        "not valid base64"
    )]
    #[case("blake3-AAAA", "invalid digest length: 3")]
    fn rejects(#[case] s: &str, #[case] msg: &str) {
        let e = s.parse::<B3Digest>().expect_err("must be rejected");
        assert!(e.to_string().contains(msg), "{e}");
    }

    proptest! {
        #[test]
        fn text_round_trip(b in any::<[u8; 32]>()) {
            let d = B3Digest::new(b);
            prop_assert_eq!(d.to_string().parse::<B3Digest>(), Ok(d));
        }
    }
}
