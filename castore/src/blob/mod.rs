//! Reading and writing whole blobs over a [`ChunkService`] and a [`BlobService`],
//! once for every backend.
//!
//! - [`BlobWriter`] cuts the written bytes into chunks with FastCDC (v2020;
//!   minimum avg/2, average `avg`, maximum 2·avg; `avg` defaults to 256 KiB, as
//!   tvix), hashes each chunk and the whole blob with BLAKE3, uploads chunks
//!   concurrently (a bounded number in flight), checks the digest each backend
//!   answers, and records the blob's metadata only in [`BlobWriter::close`],
//!   after every chunk is stored. A writer dropped or killed before `close`
//!   leaves no visible blob (chunks already uploaded may remain, unreferenced).
//! - [`BlobReader`] is `AsyncRead + AsyncSeek` over a blob's chunk list. It
//!   fetches a sliding window of upcoming chunks concurrently
//!   ([`ReadOptions::prefetch`]), verifies every chunk's digest and length, and
//!   seeks by binary search over chunk offsets.
//!
//! [`ChunkService`]: crate::ChunkService
//! [`BlobService`]: crate::BlobService

mod reader;
mod writer;

pub use reader::BlobReader;
pub use writer::BlobWriter;

/// Options of blob reading and writing, carried by a [`Store`](crate::Store).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlobOptions {
    /// Chunks fetched ahead of the read position, concurrently (at least 1).
    pub prefetch: usize,
    /// FastCDC average chunk size in bytes (minimum is half, maximum twice).
    pub avg_chunk_size: u32,
    /// Chunk uploads in flight per writer (at least 1).
    pub upload_concurrency: usize,
}

/// Alias kept for readability at call sites that only read.
pub type ReadOptions = BlobOptions;

impl Default for BlobOptions {
    fn default() -> Self {
        Self {
            prefetch: 4,
            avg_chunk_size: 256 * 1024,
            upload_concurrency: 4,
        }
    }
}

#[cfg(test)]
mod tests;
