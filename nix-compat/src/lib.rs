//! Nix's formats and protocols, byte-identical to C++ Nix 2.26.
//!
//! This crate knows nothing of tvix: it is the bottom layer any Rust project can
//! use to read and write what Nix reads and writes.
//!
//! - [`nixbase32`]: Nix's base-32 encoding.
//! - [`nixhash`]: hashes in every text form, and content addresses.
//! - [`store_path`]: store paths, name validation, and path computation.
//! - [`derivation`]: derivations in ATerm (`.drv`) and JSON form, their hashes
//!   modulo fixed outputs, and output and `.drv` store paths.
//! - [`nar`]: NAR reading and writing (sync and async), dumping and restoring
//!   file system trees, and listings (`nix nar ls`, `.ls` files).
//! - [`wire`]: the primitives of the daemon and serve protocols (integers,
//!   padded strings, collections, framed streams, protocol versions).
//! - [`narinfo`]: `.narinfo` files, their signature fingerprints, and the
//!   layout of binary caches (`nix-cache-info`, file names, MIME types).
//! - [`signature`]: Ed25519 keys and signatures in Nix's `name:base64` forms.
//!
//! Features: `async` adds tokio-based readers and writers, `serde` adds serde
//! implementations and the JSON shapes C++ Nix prints. Both are on by default.

pub mod derivation;
pub mod nar;
pub mod narinfo;
pub mod nixbase32;
pub mod nixhash;
pub mod signature;
pub mod store_path;
pub mod wire;
