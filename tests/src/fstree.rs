//! Random file system trees for differential tests: a model ([`FsTree`]), a
//! proptest strategy with the names and shapes that break NAR
//! implementations, and helpers to create a tree on disk and read one back.

use std::{
    collections::BTreeMap,
    ffi::OsStr,
    fs,
    os::unix::{
        ffi::{OsStrExt, OsStringExt},
        fs::PermissionsExt,
    },
    path::Path,
};

use proptest::prelude::*;

/// A file system tree: what a NAR records of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FsTree {
    /// A regular file.
    File {
        /// Owner-execute bit.
        executable: bool,
        /// The contents.
        contents: Vec<u8>,
    },
    /// A symbolic link (possibly dangling).
    Symlink(Vec<u8>),
    /// A directory; names sorted by bytes, as a NAR lists them.
    Dir(BTreeMap<Vec<u8>, FsTree>),
}

impl FsTree {
    /// Creates the tree at `path` (which must not exist). Files get mode
    /// 0755 or 0644.
    pub fn create(&self, path: &Path) {
        match self {
            FsTree::File {
                executable,
                contents,
            } => {
                fs::write(path, contents).expect("write file");
                let mode = if *executable { 0o755 } else { 0o644 };
                fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("chmod");
            }
            FsTree::Symlink(target) => {
                std::os::unix::fs::symlink(OsStr::from_bytes(target), path).expect("symlink")
            }
            FsTree::Dir(entries) => {
                fs::create_dir(path).expect("mkdir");
                for (name, child) in entries {
                    child.create(&path.join(OsStr::from_bytes(name)));
                }
            }
        }
    }

    /// Reads the tree at `path` (not following symlinks; executable is the
    /// owner-execute bit).
    pub fn scan(path: &Path) -> FsTree {
        let meta = fs::symlink_metadata(path).expect("lstat");
        if meta.file_type().is_symlink() {
            FsTree::Symlink(
                fs::read_link(path)
                    .expect("readlink")
                    .into_os_string()
                    .into_vec(),
            )
        } else if meta.is_file() {
            FsTree::File {
                executable: meta.permissions().mode() & 0o100 != 0,
                contents: fs::read(path).expect("read"),
            }
        } else {
            FsTree::Dir(
                fs::read_dir(path)
                    .expect("readdir")
                    .map(|e| {
                        let e = e.expect("entry");
                        (e.file_name().into_vec(), FsTree::scan(&e.path()))
                    })
                    .collect(),
            )
        }
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        match self {
            FsTree::Dir(entries) => 1 + entries.values().map(FsTree::node_count).sum::<usize>(),
            _ => 1,
        }
    }

    /// Whether every name is UTF-8 (else `nix nar ls --json` fails).
    pub fn names_are_utf8(&self) -> bool {
        match self {
            FsTree::File { .. } => true,
            FsTree::Symlink(t) => std::str::from_utf8(t).is_ok(),
            FsTree::Dir(entries) => entries
                .iter()
                .all(|(n, t)| std::str::from_utf8(n).is_ok() && t.names_are_utf8()),
        }
    }
}

/// Entry names that break implementations: spaces, unicode, leading dots,
/// case-only differences, shell and JSON specials, control characters, the
/// longest name Linux allows, and arbitrary bytes.
pub fn name() -> impl Strategy<Value = Vec<u8>> {
    let fixed: Vec<Vec<u8>> = [
        "a",
        "A",
        "b",
        "B",
        "aa",
        "a b",
        " ",
        " lead",
        "trail ",
        ".hidden",
        ".",
        "..x",
        "...",
        "-dash",
        "=eq",
        "?q",
        "#hash",
        "%pct",
        "\\back",
        "\"quote",
        "'",
        "*",
        "~",
        "tab\tx",
        "new\nline",
        "ü",
        "Ü",
        "é",
        "日本語",
        "🌮",
        "e\u{301}",
        "\u{7f}",
    ]
    .iter()
    .filter(|s| **s != ".")
    .map(|s| s.as_bytes().to_vec())
    .chain([vec![b'n'; 255], vec![0xff, 0xfe], b"\x01ctl".to_vec()])
    .collect();
    prop_oneof![
        3 => proptest::sample::select(fixed),
        1 => proptest::collection::vec(1u8..=255, 1..24),
    ]
    .prop_filter("valid file names", |n| {
        !n.contains(&b'/') && n.as_slice() != b"." && n.as_slice() != b".."
    })
}

/// File contents: empty, around the 8-byte padding boundaries, or larger.
fn contents() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        2 => Just(Vec::new()),
        4 => proptest::collection::vec(any::<u8>(), 1..17),
        2 => proptest::collection::vec(any::<u8>(), 17..2000),
        1 => (0usize..300_000).prop_map(|n| (0..n).map(|i| (i * 7 % 251) as u8).collect()),
    ]
}

/// Symlink targets: absolute, relative, dangling, odd.
fn target() -> impl Strategy<Value = Vec<u8>> {
    let fixed: Vec<Vec<u8>> = [
        "/nix/store/somewhereelse",
        "a",
        "../up",
        "./self",
        ".",
        "..",
        "/",
        "dangling/deep/target",
        "with space",
        "ü",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    prop_oneof![
        3 => proptest::sample::select(fixed),
        1 => proptest::collection::vec(1u8..=255, 1..64),
    ]
}

/// Random trees: files (executable or not, empty or not), symlinks, and
/// directories (empty or not) nested up to 6 deep.
pub fn tree() -> impl Strategy<Value = FsTree> {
    let leaf = prop_oneof![
        (any::<bool>(), contents()).prop_map(|(executable, contents)| FsTree::File {
            executable,
            contents
        }),
        target().prop_map(FsTree::Symlink),
        Just(FsTree::Dir(BTreeMap::new())),
    ];
    leaf.prop_recursive(6, 40, 8, |inner| {
        proptest::collection::btree_map(name(), inner, 0..8).prop_map(FsTree::Dir)
    })
}

/// A chain of `depth` nested directories ending in a file.
pub fn deep_chain(depth: usize) -> FsTree {
    let mut tree = FsTree::File {
        executable: false,
        contents: b"bottom".to_vec(),
    };
    for i in 0..depth {
        let name = if i % 2 == 0 {
            b"d".to_vec()
        } else {
            b".d d".to_vec()
        };
        tree = FsTree::Dir(BTreeMap::from([(name, tree)]));
    }
    tree
}
