//! Tests of dumping and restoring: C++ Nix's golden NARs are reproduced from
//! trees on disk and restored back to them, modes are those C++ Nix sets, and
//! unsupported files, existing targets and bad archives are errors.

use std::{
    fs,
    os::unix::{
        ffi::{OsStrExt, OsStringExt},
        fs::PermissionsExt,
    },
    path::Path,
};

use proptest::prelude::*;

use super::{DumpError, RestoreError, dump_path, dump_path_with_progress, restore};
use crate::nar::tests::{Tree, read_tree, tokens, tree_strategy, write_tree};

const COMPLICATED: &[u8] = include_bytes!("../tests/golden/complicated.nar");
const SORTED: &[u8] = include_bytes!("../tests/golden/sorted.nar");
const EXECUTABLE: &[u8] = include_bytes!("../tests/golden/executable.nar");
const SYMLINK: &[u8] = include_bytes!("../tests/golden/symlink.nar");

/// Creates `tree` at `path`.
fn materialize(tree: &Tree, path: &Path) {
    match tree {
        Tree::File {
            executable,
            contents,
        } => {
            fs::write(path, contents).expect("write file");
            let mode = if *executable { 0o755 } else { 0o644 };
            fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("chmod");
        }
        Tree::Symlink(target) => {
            std::os::unix::fs::symlink(std::ffi::OsStr::from_bytes(target), path).expect("symlink")
        }
        Tree::Dir(entries) => {
            fs::create_dir(path).expect("mkdir");
            for (name, child) in entries {
                materialize(child, &path.join(std::ffi::OsStr::from_bytes(name)));
            }
        }
    }
}

/// Reads the tree at `path` back (executable = owner-execute bit).
fn scan(path: &Path) -> Tree {
    let meta = fs::symlink_metadata(path).expect("lstat");
    if meta.file_type().is_symlink() {
        Tree::Symlink(
            fs::read_link(path)
                .expect("readlink")
                .into_os_string()
                .into_vec(),
        )
    } else if meta.is_file() {
        Tree::File {
            executable: meta.permissions().mode() & 0o100 != 0,
            contents: fs::read(path).expect("read"),
        }
    } else {
        let mut entries: Vec<_> = fs::read_dir(path)
            .expect("readdir")
            .map(|e| {
                let e = e.expect("entry");
                (e.file_name().into_vec(), scan(&e.path()))
            })
            .collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        Tree::Dir(entries)
    }
}

fn dump(path: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    let size = dump_path(path, &mut out).expect("dumps");
    assert_eq!(size, out.len() as u64);
    out
}

#[test]
fn dumps_reproduce_cpp_nix() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for (i, golden) in [COMPLICATED, SORTED, EXECUTABLE, SYMLINK]
        .iter()
        .enumerate()
    {
        let (tree, _) = read_tree(golden).expect("golden");
        let path = tmp.path().join(i.to_string());
        materialize(&tree, &path);
        assert_eq!(dump(&path), *golden, "golden {i}");
    }
}

#[test]
fn restores_reproduce_the_tree_with_cpp_modes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for (i, golden) in [COMPLICATED, SORTED, EXECUTABLE, SYMLINK]
        .iter()
        .enumerate()
    {
        let path = tmp.path().join(i.to_string());
        let mut input = golden.to_vec();
        input.extend_from_slice(b"trailing data is ignored");
        let size = restore(input.as_slice(), &path).expect("restores");
        assert_eq!(size, golden.len() as u64);
        assert_eq!(scan(&path), read_tree(golden).expect("golden").0);
        assert_eq!(dump(&path), *golden);
    }
    // Executables get +x for everyone, other files none, whatever the umask.
    let sorted = tmp.path().join("1");
    let mode = |name: &str| {
        fs::metadata(sorted.join(name))
            .expect("stat")
            .permissions()
            .mode()
    };
    assert_eq!(mode("a") & 0o111, 0o111);
    assert_eq!(mode("b") & 0o111, 0);
    assert_eq!(mode("a") & 0o666, mode("b") & 0o666);
}

#[test]
fn restore_refuses_existing_targets() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for golden in [COMPLICATED, EXECUTABLE, SYMLINK] {
        let err = restore(golden, tmp.path()).expect_err("exists");
        assert!(
            matches!(&err, RestoreError::AlreadyExists { path } if path == tmp.path()),
            "{err}"
        );
        assert_eq!(
            err.to_string(),
            format!("path '{}' already exists", tmp.path().display())
        );
    }
}

#[test]
fn restore_reports_bad_archives_and_unrepresentable_links() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut truncated = COMPLICATED.to_vec();
    truncated.truncate(600);
    let err = restore(truncated.as_slice(), &tmp.path().join("t")).expect_err("truncated");
    assert!(matches!(err, RestoreError::Nar(_)), "{err}");
    assert!(
        err.to_string().starts_with("unexpected end-of-file"),
        "{err}"
    );

    let nul = tokens(&[
        b"nix-archive-1",
        b"(",
        b"type",
        b"symlink",
        b"target",
        b"a\0b",
        b")",
    ]);
    let err = restore(nul.as_slice(), &tmp.path().join("nul")).expect_err("NUL");
    assert!(matches!(err, RestoreError::NulInTarget { .. }), "{err}");

    let empty = tokens(&[
        b"nix-archive-1",
        b"(",
        b"type",
        b"symlink",
        b"target",
        b"",
        b")",
    ]);
    let err = restore(empty.as_slice(), &tmp.path().join("empty")).expect_err("empty");
    assert!(
        matches!(
            &err,
            RestoreError::Io {
                op: "creating symlink",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn sockets_are_unsupported() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("d");
    fs::create_dir(&dir).expect("mkdir");
    let sock = dir.join("sock");
    let _listener = std::os::unix::net::UnixListener::bind(&sock).expect("bind");
    let err = dump_path(&dir, std::io::sink()).expect_err("socket");
    assert_eq!(
        err.to_string(),
        format!("file '{}' has an unsupported type (socket)", sock.display())
    );
    let err = dump_path(&tmp.path().join("missing"), std::io::sink()).expect_err("missing");
    assert!(matches!(err, DumpError::Io { .. }), "{err}");
}

#[test]
fn root_symlinks_are_not_followed_and_progress_is_reported() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let link = tmp.path().join("link");
    std::os::unix::fs::symlink("/nix/store/somewhereelse", &link).expect("symlink");
    assert_eq!(dump(&link), SYMLINK);

    let (tree, _) = read_tree(COMPLICATED).expect("golden");
    let path = tmp.path().join("c");
    materialize(&tree, &path);
    let mut reports = Vec::new();
    let size = dump_path_with_progress(&path, std::io::sink(), |n| reports.push(n)).expect("dumps");
    assert_eq!(size, COMPLICATED.len() as u64);
    assert_eq!(reports.last(), Some(&size));
    assert!(reports.windows(2).all(|w| w[0] < w[1]));
}

/// Trees a file system can hold: symlink targets are non-empty and NUL-free.
fn storable(tree: &Tree) -> bool {
    match tree {
        Tree::File { .. } => true,
        Tree::Symlink(t) => !t.is_empty() && !t.contains(&0),
        Tree::Dir(entries) => entries.iter().all(|(_, t)| storable(t)),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn dump_and_restore_round_trip(tree in tree_strategy().prop_filter("storable", storable)) {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("t");
        materialize(&tree, &path);
        let nar = dump(&path);
        prop_assert_eq!(&nar, &write_tree(&tree).expect("writes"));
        let back = tmp.path().join("back");
        restore(nar.as_slice(), &back).expect("restores");
        prop_assert_eq!(scan(&back), tree);
    }
}

#[test]
fn output_errors_stop_the_dump() {
    struct FailAfter(usize);
    impl std::io::Write for FailAfter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.0 < buf.len() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::BrokenPipe,
                    "closed",
                ));
            }
            self.0 -= buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("d");
    fs::create_dir(&dir).expect("mkdir");
    // More than the chunks in flight, so the reading thread must be stopped.
    fs::write(dir.join("big"), vec![7u8; 12 << 20]).expect("write");
    let err = dump_path(&dir, FailAfter(3 << 20)).expect_err("output fails");
    assert!(
        matches!(&err, DumpError::Write(crate::nar::writer::Error::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe),
        "{err:?}"
    );
    // The tree is fine: a working output gets all of it.
    assert_eq!(
        dump_path(&dir, std::io::sink()).expect("dumps"),
        dump(&dir).len() as u64
    );
}
