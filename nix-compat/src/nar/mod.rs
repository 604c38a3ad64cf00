//! NAR, the Nix ARchive: the canonical serialisation of a file system tree
//! that Nix hashes, signs and ships.
//!
//! A NAR is a sequence of padded byte strings (see [`crate::wire`]):
//!
//! ```text
//! nar       = "nix-archive-1" node
//! node      = "(" "type" ( regular | symlink | directory ) ")"
//! regular   = "regular" [ "executable" "" ] "contents" <bytes>
//! symlink   = "symlink" "target" <target>
//! directory = "directory" { "entry" "(" "name" <name> "node" node ")" }
//! ```
//!
//! Entries are sorted strictly by the raw bytes of their names (so no
//! duplicates), and names are neither empty, `.` nor `..`, and contain no `/`
//! or NUL. Nothing else about a file is recorded: no times, owners or modes
//! besides the executable bit.
//!
//! - [`reader`]: a pull-based streaming reader over [`std::io::BufRead`]
//!   (and tokio's `AsyncBufRead` in `reader::r#async`) that checks every rule
//!   C++ Nix 2.26 checks, reports errors with their byte offset and path, and
//!   never reads past the archive.
//! - [`writer`]: streaming writers (sync and async) that refuse to produce an
//!   invalid NAR.
//! - [`fs`]: dumping a path to a NAR (`nix-store --dump`) and restoring one
//!   (`nix-store --restore`).
//! - [`listing`]: what `nix nar ls` and `nix nar cat` show, and the `.ls`
//!   listings binary caches write.
//! - [`copy`]: passes a NAR through the parser, checking it.
//!
//! Where C++ Nix 2.26 accepts more than its own documented grammar, we follow
//! the grammar: see `docs/src/nix-compat/nar.md` for the list of differences.

mod copy;
#[cfg(unix)]
pub mod fs;
pub mod listing;
pub mod reader;
pub mod writer;

pub use copy::{CopyError, copy};

/// The magic string a NAR starts with.
pub const MAGIC: &str = "nix-archive-1";

/// The longest entry name the readers and writers accept (Linux's
/// `PATH_MAX`, 16 times its `NAME_MAX`). C++ Nix's parser has no limit, but no
/// file system it restores to takes longer names, and its dumper cannot
/// produce them.
pub const MAX_NAME_LEN: u64 = 4096;

/// The longest symlink target the readers and writers accept (Linux's
/// `PATH_MAX`; the kernel refuses targets of `PATH_MAX` bytes or more).
pub const MAX_TARGET_LEN: u64 = 4096;

/// Why a string is not a valid NAR entry name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameProblem {
    /// The empty string.
    #[error("empty")]
    Empty,
    /// `.`.
    #[error("'.' is not allowed")]
    Dot,
    /// `..`.
    #[error("'..' is not allowed")]
    DotDot,
    /// Contains a `/`.
    #[error("contains '/'")]
    Slash,
    /// Contains a NUL byte.
    #[error("contains a NUL byte")]
    Nul,
}

/// Checks that `name` may name a directory entry: not empty, `.` or `..`, and
/// no `/` or NUL byte (C++ Nix 2.26 `parseDump`). Length is not checked here.
pub fn check_name(name: &[u8]) -> Result<(), NameProblem> {
    match name {
        b"" => Err(NameProblem::Empty),
        b"." => Err(NameProblem::Dot),
        b".." => Err(NameProblem::DotDot),
        _ if name.contains(&b'/') => Err(NameProblem::Slash),
        _ if name.contains(&0) => Err(NameProblem::Nul),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests;
