//! Nix store semantics on top of `tvix-castore`.
//!
//! A Nix store path is a name, a tree of files and some metadata (references,
//! NAR hash and size, deriver, signatures, content address). This crate keeps
//! the tree in castore's deduplicated form and the metadata as a [`PathInfo`],
//! and converts both ways to what Nix tools exchange: NAR streams and narinfo.
//!
//! - [`PathInfo`] and its conversions to and from narinfo
//!   ([`nix_compat::narinfo::NarInfo`]) and protobuf ([`proto`], wire-compatible
//!   with tvix's `tvix.store.v1`).
//! - [`PathInfoService`]: PathInfos by store path digest, with backends and
//!   combinators in [`pathinfoservice`], all assembled from one configuration
//!   together with the castore services by [`composition`].
//! - [`nar`]: ingest a NAR stream into castore (checking hash, size and
//!   content address), render a castore tree as a NAR, and compute a tree's NAR
//!   size and SHA-256 without materialising it.
//! - [`import`]: add a local path as `nix-store --add` does.

mod path_info;

pub use pathinfoservice::{PathInfoError, PathInfoService};

pub mod composition;
pub mod copy;
pub mod import;
pub mod nar;
pub mod pathinfoservice;
pub mod proto;

pub use path_info::{
    FromNarInfoError, PathInfo, PathInfoJson, StorePathHash, StorePathHashError, parse_absolute,
    path_info_json_document,
};
