//! Tests of [`import_path`]: a generated tree round-trips, single files and
//! symlinks as roots, special files are refused.

use std::os::unix::fs::{PermissionsExt, symlink};

use super::*;
use crate::{backend::memory::MemoryBackend, conformance::noise};

fn store() -> Store {
    Store::from_backend("mem".into(), MemoryBackend::new("mem".into())).with_options(
        crate::BlobOptions {
            avg_chunk_size: 4096,
            ..Default::default()
        },
    )
}

fn name(s: &str) -> Name {
    Name::try_from(s).expect("name")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tree_round_trip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("sub/deeper")).expect("mkdir");
    std::fs::create_dir(root.join("empty")).expect("mkdir");
    std::fs::write(root.join("big"), noise(200_000, 1)).expect("write");
    std::fs::write(root.join("sub/exe"), b"#!/bin/sh\n").expect("write");
    std::fs::set_permissions(root.join("sub/exe"), std::fs::Permissions::from_mode(0o755))
        .expect("chmod");
    std::fs::write(root.join("sub/deeper/same"), b"same").expect("write");
    std::fs::write(root.join("same"), b"same").expect("write");
    symlink("../big", root.join("sub/link")).expect("symlink");

    let s = store();
    let node = import_path(
        &s,
        &root,
        ImportOptions {
            concurrency: 3,
            scanner: None,
        },
    )
    .await
    .expect("imports");
    let Node::Directory { digest, size } = node else {
        panic!("root is a directory: {node:?}")
    };
    let dirs = s.directories().get_closure(&digest).await.expect("closure");
    assert_eq!(
        dirs.len(),
        4,
        "root, empty, sub, deeper (dedup of equal dirs)"
    );
    let top = &dirs[0];
    assert_eq!(top.size(), size);
    let names: Vec<_> = top.entries().map(|(n, _)| n.to_string()).collect();
    assert_eq!(names, ["big", "empty", "same", "sub"]);
    let Some(Node::File {
        digest: big,
        size: 200_000,
        executable: false,
    }) = top.get(&name("big"))
    else {
        panic!("big is a file: {:?}", top.get(&name("big")))
    };
    assert_eq!(
        s.read_blob(big).await.expect("read"),
        Some(noise(200_000, 1))
    );
    assert_eq!(top.get(&name("empty")), Some(&Directory::new().as_node()));
    let Some(Node::Directory { digest: sub, .. }) = top.get(&name("sub")) else {
        panic!("sub is a directory")
    };
    let sub = s
        .directories()
        .get(sub)
        .await
        .expect("get")
        .expect("exists");
    assert!(matches!(
        sub.get(&name("exe")),
        Some(Node::File {
            executable: true,
            size: 10,
            ..
        })
    ));
    assert_eq!(
        sub.get(&name("link")),
        Some(&Node::Symlink {
            target: "../big".try_into().expect("t")
        })
    );
    // Importing the same tree again gives the same root.
    let again = import_path(&s, &root, ImportOptions::default())
        .await
        .expect("imports");
    assert_eq!(again, node);
}

#[tokio::test]
async fn single_file_and_symlink_roots() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("f");
    std::fs::write(&f, b"hello").expect("write");
    let s = store();
    let n = import_path(&s, &f, ImportOptions::default())
        .await
        .expect("imports");
    assert_eq!(
        n,
        Node::File {
            digest: B3Digest::of(b"hello"),
            size: 5,
            executable: false
        }
    );
    let l = dir.path().join("l");
    symlink("/nowhere", &l).expect("symlink");
    let n = import_path(&s, &l, ImportOptions::default())
        .await
        .expect("imports");
    assert_eq!(
        n,
        Node::Symlink {
            target: "/nowhere".try_into().expect("t")
        }
    );
}

#[tokio::test]
async fn special_files_are_refused_by_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sock = dir.path().join("s.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&sock).expect("bind");
    let e = import_path(&store(), dir.path(), ImportOptions::default())
        .await
        .expect_err("refused");
    assert!(
        matches!(&e, ImportError::UnsupportedFileType { path } if *path == sock),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn references_are_scanned_in_contents_and_symlink_targets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("r");
    std::fs::create_dir(&root).expect("mkdir");
    let mut big = noise(300_000, 5);
    big[150_000..150_032].copy_from_slice(b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    std::fs::write(root.join("big"), &big).expect("write");
    symlink(
        "/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-x",
        root.join("l"),
    )
    .expect("symlink");
    let needles = [
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
        "cccccccccccccccccccccccccccccccc",
    ];
    let scanner = std::sync::Arc::new(crate::refscan::ReferenceScanner::new(needles).expect("s"));
    let opts = ImportOptions {
        concurrency: 2,
        scanner: Some(scanner.clone()),
    };
    import_path(&store(), &root, opts).await.expect("imports");
    assert_eq!(scanner.matches(), std::collections::BTreeSet::from([0, 1]));
}

/// Records what an [`ImportObserver`] is shown, as text lines.
#[derive(Default)]
struct Recorder(Vec<String>);

fn label(name: Option<&[u8]>) -> String {
    name.map_or_else(
        || "<root>".to_owned(),
        |n| String::from_utf8_lossy(n).into_owned(),
    )
}

impl ImportObserver for Recorder {
    fn directory_start(&mut self, name: Option<&[u8]>) -> std::io::Result<()> {
        self.0.push(format!("dir {}", label(name)));
        Ok(())
    }
    fn directory_end(&mut self) -> std::io::Result<()> {
        self.0.push("end".to_owned());
        Ok(())
    }
    fn symlink(&mut self, name: Option<&[u8]>, target: &[u8]) -> std::io::Result<()> {
        self.0.push(format!(
            "link {} -> {}",
            label(name),
            String::from_utf8_lossy(target)
        ));
        Ok(())
    }
    fn file_start(&mut self, name: Option<&[u8]>, x: bool, len: u64) -> std::io::Result<()> {
        self.0.push(format!("file {} {x} {len}", label(name)));
        Ok(())
    }
    fn file_data(&mut self, data: &[u8]) -> std::io::Result<()> {
        // Pieces are merged: only the bytes and their order matter.
        match self.0.last_mut() {
            Some(l) if l.starts_with("data ") => {
                let n: usize = l[5..].parse().expect("count");
                *l = format!("data {}", n + data.len());
            }
            _ => self.0.push(format!("data {}", data.len())),
        }
        Ok(())
    }
    fn file_end(&mut self) -> std::io::Result<()> {
        self.0.push("eof".to_owned());
        Ok(())
    }
}

/// The observer sees the tree in NAR order (names in byte order, each
/// directory closed after its last entry), every file's bytes once, and
/// the import's result is the same as without an observer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn observer_sees_nar_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("b/c")).expect("mkdir");
    std::fs::create_dir(root.join("B")).expect("mkdir");
    std::fs::write(root.join("b/c/deep"), b"xyz").expect("write");
    std::fs::write(root.join("b/z"), noise(300_000, 3)).expect("write");
    std::fs::write(root.join("a"), b"").expect("write");
    std::fs::set_permissions(root.join("a"), std::fs::Permissions::from_mode(0o755))
        .expect("chmod");
    symlink("a", root.join("l")).expect("symlink");

    let s = store();
    let (node, rec) =
        import_path_observed(&s, &root, ImportOptions::default(), Recorder::default())
            .await
            .expect("import");
    let expected = [
        "dir <root>",
        "dir B",
        "end",
        "file a true 0",
        "data 0",
        "eof",
        "dir b",
        "dir c",
        "file deep false 3",
        "data 3",
        "eof",
        "end",
        "file z false 300000",
        "data 300000",
        "eof",
        "end",
        "link l -> a",
        "end",
    ];
    assert_eq!(rec.0, expected);
    let plain = import_path(&store(), &root, ImportOptions::default())
        .await
        .expect("import");
    assert_eq!(node, plain);
}
