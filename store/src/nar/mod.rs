//! NAR in and out of castore.
//!
//! - [`ingest_nar`] reads a NAR stream into a castore [`Store`]: file contents
//!   become blobs (small ones uploaded concurrently within a memory budget,
//!   large ones streamed), directories are stored as one closure. It computes
//!   the NAR's size and SHA-256 on the way and checks them, and the content
//!   address, against what the caller expects.
//! - [`write_nar`] renders a castore root node as a NAR (byte-identical to
//!   `nix-store --dump` of the same tree, through nix-compat's NAR writer) and
//!   [`calculate_nar`] computes its size and SHA-256 without materialising it.
//!   Both fetch the directory closure once, then read the files in NAR order
//!   while prefetching a window of upcoming blobs concurrently.
//! - [`SeekableNar`] reads a root node's NAR from any offset without
//!   rendering the bytes before it (for HTTP range requests), from a
//!   [`NarLayout`] computed from directory metadata only.
//!
//! [`Store`]: tvix_castore::Store

mod ingest;
mod render;
mod seekable;

pub use ingest::{ExpectedNar, IngestError, IngestOptions, IngestedNar, ingest_nar};
pub use render::{NarSummary, RenderError, RenderOptions, calculate_nar, write_nar};
pub use seekable::{NarLayout, SeekableNar};

#[cfg(test)]
mod tests;
