//! Tests of the derivation module: golden files from the reference C++ Nix
//! (`reference`), the parser's errors (`parse`), rendering (`write`), hashing
//! and paths (`hash`), JSON (`json`), and properties (`props`).

mod hash;
#[cfg(feature = "serde")]
mod json;
mod parse;
mod props;
mod reference;
mod write;
