//! A streaming hasher over the algorithms of [`HashAlgo`].

use sha2::Digest;

use super::{HashAlgo, NixHash};

/// Incrementally computes a [`NixHash`]. Implements [`std::io::Write`], so NAR
/// writers and `std::io::copy` can feed it directly.
#[derive(Clone)]
pub enum Hasher {
    /// MD5 state.
    Md5(md5::Md5),
    /// SHA-1 state.
    Sha1(sha1::Sha1),
    /// SHA-256 state.
    Sha256(sha2::Sha256),
    /// SHA-512 state.
    Sha512(sha2::Sha512),
}

impl Hasher {
    /// A fresh hasher for `algo`.
    pub fn new(algo: HashAlgo) -> Self {
        match algo {
            HashAlgo::Md5 => Self::Md5(md5::Md5::new()),
            HashAlgo::Sha1 => Self::Sha1(sha1::Sha1::new()),
            HashAlgo::Sha256 => Self::Sha256(sha2::Sha256::new()),
            HashAlgo::Sha512 => Self::Sha512(sha2::Sha512::new()),
        }
    }

    /// Feeds `data`.
    pub fn update(&mut self, data: &[u8]) {
        match self {
            Self::Md5(h) => h.update(data),
            Self::Sha1(h) => h.update(data),
            Self::Sha256(h) => h.update(data),
            Self::Sha512(h) => h.update(data),
        }
    }

    /// Finishes the computation.
    #[must_use]
    pub fn finalize(self) -> NixHash {
        match self {
            Self::Md5(h) => NixHash::Md5(h.finalize().into()),
            Self::Sha1(h) => NixHash::Sha1(h.finalize().into()),
            Self::Sha256(h) => NixHash::Sha256(h.finalize().into()),
            Self::Sha512(h) => NixHash::Sha512(Box::new(h.finalize().into())),
        }
    }
}

impl std::io::Write for Hasher {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
