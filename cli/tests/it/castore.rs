//! `tvix-store castore import|ls|cat` round trips on a generated tree, the
//! `--store`/`TVIX_STORE`/default store selection, and `tvix-store daemon`
//! serving a store over a Unix socket until SIGTERM.

use std::{fs, os::unix::fs::PermissionsExt, path::Path, process::Command};

use crate::tvix_store;

/// The empty blob's (and empty directory's) digest.
const EMPTY: &str = "blake3-rxNJufX5oaagQE3qNtzJSZvLJcmtwRK3zJqTyuQfMmI=";

fn make_tree(t: &Path) {
    fs::create_dir_all(t.join("d/e")).expect("mkdir");
    fs::write(t.join("a"), b"hi\n").expect("write");
    fs::write(t.join("x"), b"#!/bin/sh\n").expect("write");
    fs::set_permissions(t.join("x"), fs::Permissions::from_mode(0o755)).expect("chmod");
    std::os::unix::fs::symlink("a", t.join("l")).expect("symlink");
    fs::write(t.join("d/e/empty"), b"").expect("write");
    // Large enough for many chunks.
    let big: Vec<u8> = (0..3_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    fs::write(t.join("d/big"), big).expect("write");
}

fn ok(r: &crate::Run) -> &str {
    assert_eq!(r.status, 0, "stderr: {}", r.stderr);
    &r.stdout
}

/// The digest of the entry `name` in an `ls` listing.
fn digest_of<'a>(listing: &'a str, name: &str) -> &'a str {
    listing
        .lines()
        .find(|l| l.ends_with(&format!(" {name}")))
        .and_then(|l| l.split(' ').nth(1))
        .unwrap_or_else(|| panic!("{name} not in {listing}"))
}

#[test]
fn import_ls_cat_round_trip() {
    let dir = tempfile::tempdir().expect("tempdir");
    make_tree(&dir.path().join("t"));
    let store = format!("--store=local://{}/store", dir.path().display());
    let root = ok(&tvix_store(dir.path(), &[&store, "castore", "import", "t"]))
        .trim()
        .to_owned();
    assert!(root.starts_with("blake3-"), "{root}");

    let ls = ok(&tvix_store(dir.path(), &[&store, "castore", "ls", &root])).to_owned();
    let kinds: Vec<String> = ls
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            format!("{} {}", f[0], f[f.len() - 1])
        })
        .collect();
    assert_eq!(kinds, ["- a", "d d", "l a", "x x"], "{ls}");
    assert!(ls.contains("l l -> a\n"), "{ls}");
    assert!(ls.contains(" 3 a\n") && ls.contains(" 10 x\n"), "{ls}");

    let lsr = ok(&tvix_store(
        dir.path(),
        &[&store, "castore", "ls", "-R", &root],
    ))
    .to_owned();
    let paths: Vec<&str> = lsr
        .lines()
        .map(|l| l.rsplit(' ').next().unwrap_or(""))
        .collect();
    assert_eq!(
        paths,
        ["a", "d", "d/big", "d/e", "d/e/empty", "a", "x"],
        "{lsr}"
    );
    assert_eq!(digest_of(&lsr, "d/e/empty"), EMPTY);

    let a = ok(&tvix_store(
        dir.path(),
        &[&store, "castore", "cat", digest_of(&ls, "a")],
    ))
    .to_owned();
    assert_eq!(a, "hi\n");
    let out = Command::new(env!("CARGO_BIN_EXE_tvix-store"))
        .args([&store, "castore", "cat", digest_of(&lsr, "d/big")])
        .output()
        .expect("runs");
    assert!(out.status.success());
    assert_eq!(
        out.stdout,
        fs::read(dir.path().join("t/d/big")).expect("read")
    );

    // A single file's root is its blob digest.
    let f = ok(&tvix_store(
        dir.path(),
        &[&store, "castore", "import", "t/d/e/empty"],
    ))
    .to_owned();
    assert_eq!(f, format!("{EMPTY}\n"));
    // Importing again gives the same root.
    let again = ok(&tvix_store(dir.path(), &[&store, "castore", "import", "t"]))
        .trim()
        .to_owned();
    assert_eq!(again, root);
}

#[test]
fn import_tar_matches_the_extracted_tree() {
    let dir = tempfile::tempdir().expect("tempdir");
    make_tree(&dir.path().join("t"));
    let store = format!("--store=local://{}/store", dir.path().display());
    // `tar -C t .` puts the tree's entries at the archive's top level.
    let st = Command::new("tar")
        .args(["-czf", "t.tar.gz", "-C", "t", "."])
        .current_dir(dir.path())
        .status()
        .expect("tar runs");
    assert!(st.success());
    let from_dir = ok(&tvix_store(dir.path(), &[&store, "castore", "import", "t"])).to_owned();
    let from_tar = ok(&tvix_store(
        dir.path(),
        &[&store, "castore", "import-tar", "t.tar.gz"],
    ))
    .to_owned();
    assert_eq!(from_tar, from_dir);
}

#[test]
fn errors_name_what_is_wrong() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = format!("--store=local://{}/store", dir.path().display());
    let missing = "blake3-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    let r = tvix_store(dir.path(), &[&store, "castore", "cat", missing]);
    assert_eq!(r.status, 1);
    assert!(
        r.stderr.contains(&format!("blob {missing} not found")),
        "{}",
        r.stderr
    );
    let r = tvix_store(dir.path(), &[&store, "castore", "ls", "sha256-abc"]);
    assert_eq!(r.status, 2);
    assert!(
        r.stderr.contains("does not start with \"blake3-\""),
        "{}",
        r.stderr
    );
    let r = tvix_store(dir.path(), &["--store=ftp://x", "castore", "ls", EMPTY]);
    assert_eq!(r.status, 1);
    assert!(
        r.stderr.contains("unknown store URL scheme \"ftp\""),
        "{}",
        r.stderr
    );
    let r = tvix_store(
        dir.path(),
        &["--store=nonexistent.toml", "castore", "ls", EMPTY],
    );
    assert_eq!(r.status, 1);
    assert!(
        r.stderr
            .contains("cannot read composition file nonexistent.toml"),
        "{}",
        r.stderr
    );
}

#[test]
fn store_from_env_toml_and_default() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("f"), b"content").expect("write");
    // TVIX_STORE names a composition file.
    fs::write(
        dir.path().join("store.toml"),
        format!(
            "root = \"main\"\n[stores.main]\ntype = \"local\"\npath = \"{}/viatoml\"\n",
            dir.path().display()
        ),
    )
    .expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_tvix-store"))
        .args(["castore", "import", "f"])
        .current_dir(dir.path())
        .env("TVIX_STORE", dir.path().join("store.toml"))
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("viatoml/castore.redb").exists());
    // No --store, no TVIX_STORE: the local store under XDG_DATA_HOME.
    let out = Command::new(env!("CARGO_BIN_EXE_tvix-store"))
        .args(["castore", "import", "f"])
        .current_dir(dir.path())
        .env_remove("TVIX_STORE")
        .env("XDG_DATA_HOME", dir.path().join("xdg"))
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("xdg/tvix/store/castore.redb").exists());
}

#[test]
fn daemon_serves_until_sigterm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sock = dir.path().join("d.sock");
    let daemon = crate::start_daemon(&sock);
    make_tree(&dir.path().join("t"));
    let store = format!("--store=grpc+unix://{}", sock.display());
    let root = ok(&tvix_store(dir.path(), &[&store, "castore", "import", "t"]))
        .trim()
        .to_owned();
    let lsr = ok(&tvix_store(
        dir.path(),
        &[&store, "castore", "ls", "-R", &root],
    ))
    .to_owned();
    let out = Command::new(env!("CARGO_BIN_EXE_tvix-store"))
        .args([&store, "castore", "cat", digest_of(&lsr, "d/big")])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        out.stdout,
        fs::read(dir.path().join("t/d/big")).expect("read")
    );

    crate::stop_daemon(daemon);
    assert!(!sock.exists(), "socket removed on shutdown");
}
