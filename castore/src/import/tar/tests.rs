//! Tests of [`import_tar`]: an archive with entries out of order, hard links
//! and replaced entries gives the same root as importing the equivalent tree
//! from disk, under every compression; bad entries are refused by path.

use std::os::unix::fs::{PermissionsExt, symlink};

use tokio::io::AsyncReadExt;
use tokio_tar::{Builder, EntryType, Header};

use super::*;
use crate::{backend::memory::MemoryBackend, conformance::noise, import::import_path};

fn store() -> Store {
    Store::from_backend("mem".into(), MemoryBackend::new("mem".into()))
}

async fn add(
    b: &mut Builder<Vec<u8>>,
    path: &str,
    kind: EntryType,
    mode: u32,
    data: &[u8],
    link: Option<&str>,
) {
    let mut h = Header::new_gnu();
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_size(data.len() as u64);
    if let Some(l) = link {
        h.set_link_name(l).expect("link name");
    }
    b.append_data(&mut h, path, data).await.expect("append");
}

/// The archive: out of order, a missing parent, a hard link, a replaced file.
async fn archive() -> Vec<u8> {
    let mut b = Builder::new(Vec::new());
    add(&mut b, "d/f", EntryType::Regular, 0o644, b"old", None).await;
    add(&mut b, "d/", EntryType::Directory, 0o755, b"", None).await;
    add(&mut b, "x", EntryType::Regular, 0o755, b"#!/bin/sh\n", None).await;
    add(&mut b, "l", EntryType::Symlink, 0o777, b"", Some("x")).await;
    add(&mut b, "h", EntryType::Link, 0o644, b"", Some("x")).await;
    add(
        &mut b,
        "a/b/big",
        EntryType::Regular,
        0o644,
        &noise(300_000, 7),
        None,
    )
    .await;
    add(&mut b, "d/f", EntryType::Regular, 0o644, b"new", None).await;
    add(&mut b, "e/", EntryType::Directory, 0o755, b"", None).await;
    b.into_inner().await.expect("finish")
}

/// The same tree on disk.
fn tree_on_disk(root: &std::path::Path) {
    std::fs::create_dir_all(root.join("d")).expect("mkdir");
    std::fs::create_dir_all(root.join("a/b")).expect("mkdir");
    std::fs::create_dir_all(root.join("e")).expect("mkdir");
    std::fs::write(root.join("d/f"), b"new").expect("write");
    std::fs::write(root.join("x"), b"#!/bin/sh\n").expect("write");
    std::fs::set_permissions(root.join("x"), std::fs::Permissions::from_mode(0o755))
        .expect("chmod");
    std::fs::write(root.join("h"), b"#!/bin/sh\n").expect("write");
    std::fs::set_permissions(root.join("h"), std::fs::Permissions::from_mode(0o755))
        .expect("chmod");
    symlink("x", root.join("l")).expect("symlink");
    std::fs::write(root.join("a/b/big"), noise(300_000, 7)).expect("write");
}

async fn compress(kind: &str, data: &[u8]) -> Vec<u8> {
    use async_compression::tokio::bufread as enc;
    let mut out = Vec::new();
    match kind {
        "plain" => out = data.to_vec(),
        "gz" => enc::GzipEncoder::new(data)
            .read_to_end(&mut out)
            .await
            .map(|_| ())
            .expect("gz"),
        "bz2" => enc::BzEncoder::new(data)
            .read_to_end(&mut out)
            .await
            .map(|_| ())
            .expect("bz2"),
        "xz" => enc::XzEncoder::new(data)
            .read_to_end(&mut out)
            .await
            .map(|_| ())
            .expect("xz"),
        "zst" => enc::ZstdEncoder::new(data)
            .read_to_end(&mut out)
            .await
            .map(|_| ())
            .expect("zst"),
        other => panic!("unknown compression {other}"),
    }
    out
}

#[rstest::rstest]
#[case("plain")]
#[case("gz")]
#[case("bz2")]
#[case("xz")]
#[case("zst")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn archive_imports_like_the_extracted_tree(#[case] compression: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("t");
    tree_on_disk(&root);
    let s = store();
    let expected = import_path(&s, &root, ImportOptions::default())
        .await
        .expect("import dir");
    let tar = compress(compression, &archive().await).await;
    let got = import_tar(&s, tar.as_slice(), &ImportOptions::default())
        .await
        .expect("import tar");
    assert_eq!(got, expected);
}

#[tokio::test]
async fn fifos_and_dangling_hard_links_are_refused() {
    let mut b = Builder::new(Vec::new());
    add(&mut b, "p", EntryType::Fifo, 0o644, b"", None).await;
    let tar = b.into_inner().await.expect("finish");
    let e = import_tar(&store(), tar.as_slice(), &ImportOptions::default())
        .await
        .expect_err("fifo");
    assert_eq!(e.to_string(), "p: unsupported entry type Fifo");

    let mut b = Builder::new(Vec::new());
    add(&mut b, "h", EntryType::Link, 0o644, b"", Some("nothing")).await;
    let tar = b.into_inner().await.expect("finish");
    let e = import_tar(&store(), tar.as_slice(), &ImportOptions::default())
        .await
        .expect_err("link");
    assert_eq!(
        e.to_string(),
        "h: hard link target nothing is not an earlier regular file"
    );
}

#[rstest::rstest]
#[case(b"/etc/passwd".as_slice(), "absolute paths and '..' are not allowed")]
#[case(b"a/../../x", "absolute paths and '..' are not allowed")]
#[case(b"a/\0b", "invalid name")]
fn unsafe_paths_are_refused(#[case] p: &[u8], #[case] msg: &str) {
    let e = components(p).expect_err("refused");
    assert!(e.to_string().contains(msg), "{e}");
}

#[test]
fn paths_are_normalised() {
    let names = components(b"./a//b/./c/").expect("valid");
    let names: Vec<String> = names.iter().map(ToString::to_string).collect();
    assert_eq!(names, ["a", "b", "c"]);
}

#[tokio::test]
async fn not_a_tar_is_an_error() {
    let e = import_tar(&store(), &b"this is not a tar archive, just some text that is long enough to fill part of a header block"[..], &ImportOptions::default())
        .await;
    assert!(e.is_err(), "{e:?}");
}
