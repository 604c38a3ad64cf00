//! Serialising local paths the way C++ Nix adds them to the store: a NAR of
//! the tree (symlinks kept, not followed; entries in byte order), with an
//! optional filter deciding for every entry below the root whether it is
//! kept (`builtins.path { filter }`, `filterSource`), or the flat contents
//! of a single file (`recursive = false`).

use std::{
    io::{self, Write},
    os::unix::{ffi::OsStrExt, fs::PermissionsExt},
    path::Path,
};

use nix_compat::nar::writer::{self, Node};
use tvix_castore::Node as CNode;
use tvix_eval::{Error, FileType, Result};

use crate::{io::store_error, store::GlueStore};

/// A filter: path of an entry relative to the root (starting with `/`) and
/// its type → keep it?
pub(crate) type Filter<'a> = dyn FnMut(&[u8], FileType) -> Result<bool> + 'a;

fn io_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::eval(format!("while adding path '{}': {e}", path.display()))
}

fn file_type(m: &std::fs::Metadata) -> FileType {
    let t = m.file_type();
    if t.is_symlink() {
        FileType::Symlink
    } else if t.is_dir() {
        FileType::Directory
    } else if t.is_file() {
        FileType::Regular
    } else {
        FileType::Unknown
    }
}

/// The NAR of the tree at `path`, keeping only entries below the root that
/// `filter` accepts (C++ Nix's `dumpPath` with a `PathFilter`).
pub(crate) fn dump(path: &Path, filter: Option<&mut Filter<'_>>) -> Result<Vec<u8>> {
    if let Err(e) = std::fs::symlink_metadata(path) {
        if e.kind() == io::ErrorKind::NotFound {
            return Err(Error::eval(format!(
                "path '{}' does not exist",
                path.display()
            )));
        }
    }
    let mut nar = Vec::new();
    let node = writer::open(&mut nar).map_err(|e| io_err(path, e))?;
    let mut none = |_: &[u8], _: FileType| Ok(true);
    let filter: &mut Filter<'_> = match filter {
        Some(f) => f,
        None => &mut none,
    };
    dump_node(path, path.as_os_str().as_bytes().len(), node, filter)?;
    Ok(nar)
}

fn dump_node<W: Write>(
    path: &Path,
    root_len: usize,
    node: Node<'_, W>,
    filter: &mut Filter<'_>,
) -> Result<()> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| io_err(path, e))?;
    match file_type(&meta) {
        FileType::Symlink => {
            let target = std::fs::read_link(path).map_err(|e| io_err(path, e))?;
            node.symlink(target.as_os_str().as_bytes())
                .map_err(|e| io_err(path, e))
        }
        FileType::Regular => {
            let executable = meta.permissions().mode() & 0o100 != 0;
            let mut f = std::fs::File::open(path).map_err(|e| io_err(path, e))?;
            node.file(executable, meta.len(), &mut f)
                .map_err(|e| io_err(path, e))
        }
        FileType::Directory => {
            let mut names = Vec::new();
            for e in std::fs::read_dir(path).map_err(|e| io_err(path, e))? {
                let e = e.map_err(|e| io_err(path, e))?;
                names.push(e.file_name());
            }
            names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
            let mut dir = node.directory().map_err(|e| io_err(path, e))?;
            for name in names {
                let child = path.join(&name);
                let child_meta =
                    std::fs::symlink_metadata(&child).map_err(|e| io_err(&child, e))?;
                let rel = &child.as_os_str().as_bytes()[root_len..];
                if !filter(rel, file_type(&child_meta))? {
                    continue;
                }
                let entry = dir.entry(name.as_bytes()).map_err(|e| io_err(&child, e))?;
                dump_node(&child, root_len, entry, filter)?;
            }
            dir.close().map_err(|e| io_err(path, e))
        }
        _ => Err(io_err(
            path,
            io::Error::other("file has an unsupported type"),
        )),
    }
}

/// The NAR of the castore tree `node` (a path inside the store), keeping
/// only entries `filter` accepts, as [`dump`] does for local trees.
pub(crate) fn dump_store(
    store: &GlueStore,
    node: &CNode,
    filter: Option<&mut Filter<'_>>,
) -> Result<Vec<u8>> {
    let mut nar = Vec::new();
    let w = writer::open(&mut nar).map_err(|e| Error::eval(e.to_string()))?;
    let mut none = |_: &[u8], _: FileType| Ok(true);
    let filter: &mut Filter<'_> = match filter {
        Some(f) => f,
        None => &mut none,
    };
    dump_store_node(store, node, &mut Vec::new(), w, filter)?;
    Ok(nar)
}

fn dump_store_node<W: Write>(
    store: &GlueStore,
    node: &CNode,
    rel: &mut Vec<u8>,
    w: Node<'_, W>,
    filter: &mut Filter<'_>,
) -> Result<()> {
    let nar_err = |e: writer::Error| Error::eval(format!("cannot write a NAR: {e}"));
    match node {
        CNode::Symlink { target } => w.symlink(target.as_bytes()).map_err(nar_err),
        CNode::File {
            digest, executable, ..
        } => {
            let bytes = store.blob(digest).map_err(|e| store_error(&e))?;
            w.file(*executable, bytes.len() as u64, &mut &bytes[..])
                .map_err(nar_err)
        }
        CNode::Directory { digest, .. } => {
            let dir = store.directory(digest).map_err(|e| store_error(&e))?;
            let mut d = w.directory().map_err(nar_err)?;
            for (name, child) in dir.entries() {
                let len = rel.len();
                rel.push(b'/');
                rel.extend_from_slice(name.as_bytes());
                let t = match child {
                    CNode::Directory { .. } => FileType::Directory,
                    CNode::File { .. } => FileType::Regular,
                    CNode::Symlink { .. } => FileType::Symlink,
                };
                if filter(rel, t)? {
                    let entry = d.entry(name.as_bytes()).map_err(nar_err)?;
                    dump_store_node(store, child, rel, entry, filter)?;
                }
                rel.truncate(len);
            }
            d.close().map_err(nar_err)
        }
    }
}

/// The contents of the regular file at `path` (for flat, non-recursive
/// addition), refusing anything else as C++ Nix does.
pub(crate) fn flat_contents(path: &Path) -> Result<Vec<u8>> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| io_err(path, e))?;
    if !meta.file_type().is_file() {
        return Err(io_err(
            path,
            "file is not a regular file and cannot be added with 'recursive = false'",
        ));
    }
    std::fs::read(path).map_err(|e| io_err(path, e))
}

#[cfg(test)]
mod tests {
    use tvix_eval::FileType;

    use super::dump;

    #[test]
    fn unfiltered_dump_equals_nix_compat_dump() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("t");
        std::fs::create_dir_all(root.join("sub")).expect("mkdir");
        std::fs::write(root.join("b"), b"bee").expect("write");
        std::fs::write(root.join("sub/a"), b"a").expect("write");
        std::os::unix::fs::symlink("b", root.join("l")).expect("symlink");
        let mut expected = Vec::new();
        nix_compat::nar::fs::dump_path(&root, &mut expected).expect("dump");
        assert_eq!(dump(&root, None).expect("dump"), expected);

        // Filtering `sub` away leaves the NAR of the tree without it.
        let mut seen = Vec::new();
        let mut f = |p: &[u8], t: FileType| {
            seen.push((String::from_utf8_lossy(p).into_owned(), t));
            Ok(t != FileType::Directory)
        };
        let filtered = dump(&root, Some(&mut f)).expect("dump");
        std::fs::remove_dir_all(root.join("sub")).expect("rm");
        let mut without = Vec::new();
        nix_compat::nar::fs::dump_path(&root, &mut without).expect("dump");
        assert_eq!(filtered, without);
        assert_eq!(seen.len(), 3);
        assert_eq!(seen[2].0, "/sub");
    }
}
