//! The text output of `nix nar ls` (C++ Nix 2.26 `MixLs::listText`).

use super::{ListingEntry, LookupError, canonical_components};

/// The flags of `nix nar ls` that shape its text output.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LsOptions {
    /// `-R`: list subdirectories recursively.
    pub recursive: bool,
    /// `-l`: type, size and symlink target on each line.
    pub long: bool,
    /// `-d`: show a directory itself rather than its entries.
    pub directory: bool,
}

/// Renders what `nix nar ls` prints for `path` in the NAR whose root is
/// `root`: one line per entry, each ending in `\n`. Names are written as
/// they are (not escaped), so the output is bytes.
///
/// A directory is shown as `.` and its entries as `./name`; a file or symlink
/// asked for directly is shown by its base name (empty for the root). Long
/// lines are `<mode> <size, right-aligned in 20> <name>[ -> <target>]`, with
/// modes `-r--r--r--`, `-r-xr-xr-x`, `lrwxrwxrwx` and `dr-xr-xr-x`, and size 0
/// for directories and symlinks.
pub fn render_text(
    root: &ListingEntry,
    path: &[u8],
    options: LsOptions,
) -> Result<Vec<u8>, LookupError> {
    let entry = root.lookup(path)?;
    let rel: Vec<u8> = match entry {
        ListingEntry::Directory { .. } => b".".to_vec(),
        _ => canonical_components(path)
            .last()
            .map(|c| c.to_vec())
            .unwrap_or_default(),
    };
    let mut out = Vec::new();
    let mut printer = Printer {
        options,
        out: &mut out,
    };
    printer.do_path(entry, &rel, options.directory);
    Ok(out)
}

struct Printer<'a> {
    options: LsOptions,
    out: &'a mut Vec<u8>,
}

impl Printer<'_> {
    /// `doPath`: a directory's entries, or the node itself.
    fn do_path(&mut self, entry: &ListingEntry, rel: &[u8], show_directory: bool) {
        match entry {
            ListingEntry::Directory { entries } if !show_directory => {
                for (name, child) in entries {
                    let mut child_rel = rel.to_vec();
                    child_rel.push(b'/');
                    child_rel.extend_from_slice(name);
                    self.show_file(child, &child_rel);
                }
            }
            _ => self.show_file(entry, rel),
        }
    }

    /// `showFile`: one line, then a directory's contents if recursive.
    fn show_file(&mut self, entry: &ListingEntry, rel: &[u8]) {
        if self.options.long {
            let (mode, size) = match entry {
                ListingEntry::Regular {
                    size, executable, ..
                } => (
                    if *executable {
                        "-r-xr-xr-x"
                    } else {
                        "-r--r--r--"
                    },
                    *size,
                ),
                ListingEntry::Symlink { .. } => ("lrwxrwxrwx", 0),
                ListingEntry::Directory { .. } => ("dr-xr-xr-x", 0),
            };
            self.out
                .extend_from_slice(format!("{mode} {size:>20} ").as_bytes());
            self.out.extend_from_slice(rel);
            if let ListingEntry::Symlink { target } = entry {
                self.out.extend_from_slice(b" -> ");
                self.out.extend_from_slice(target);
            }
        } else {
            self.out.extend_from_slice(rel);
        }
        self.out.push(b'\n');
        if self.options.recursive && matches!(entry, ListingEntry::Directory { .. }) {
            self.do_path(entry, rel, false);
        }
    }
}
