//! NARs and the file system: [`dump_path`] serialises a path as
//! `nix-store --dump` does, [`restore`] recreates a tree from a NAR as
//! `nix-store --restore` does.
//!
//! **Dumping** follows C++ Nix 2.26 (`SourceAccessor::dumpPath` over the POSIX
//! accessor): the path itself is not followed if it is a symlink; directory
//! entries are sorted by the raw bytes of their names; a regular file is
//! executable when its owner-execute bit is set; its size is taken when it is
//! opened and exactly that many bytes are written (a file that shrinks is an
//! error, one that grows is cut); sockets, FIFOs and devices are an error
//! naming the file. Contents are streamed through one large buffer.
//!
//! **Restoring** follows `RestoreSink`: the target must not exist; directories
//! are created with mode `0777` and files with `0666` (both minus the umask),
//! and an executable file then gets `+x` for user, group and others, as C++
//! Nix's `fchmod(mode | 0111)` does. No times or owners are set. Every entry is
//! created fresh (`mkdir`, `O_CREAT|O_EXCL`, `symlink`), inside directories
//! this restore created, and entry names are validated by the reader, so
//! nothing is ever written outside the target, whatever the archive holds.
//! A failed restore leaves what it created so far, as C++ Nix does.

mod dump;
mod restore;

pub use dump::{DumpError, dump_path, dump_path_with_progress};
pub use restore::{RestoreError, restore, restore_node};

#[cfg(test)]
mod tests;
