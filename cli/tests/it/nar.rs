//! `tvix-store nar dump-path|ls|cat|restore` and `hash path` (NAR mode) on a
//! small tree. Expected values are what the reference prints for the same
//! tree (see [`make_tree`]): `nix hash path t`, `nix-store --dump t |
//! sha256sum`, `nix nar ls -lR t.nar /`, `nix nar ls --json -R t.nar /d`,
//! and the errors of `nix nar cat`/`nix nar ls`/`nix-store --restore`.

use std::{fs, os::unix::fs::PermissionsExt, path::Path, process::Stdio};

use expect_test::expect;
use nix_compat::nixhash::{HashAlgo, NixHash};

use crate::tvix_store;

/// `t/a` ("hi\n"), `t/x` (executable "#!/bin/sh\n"), `t/l` -> `a`, `t/sub`
/// (empty directory), `t/d/e/empty` (empty file).
fn make_tree(root: &Path) {
    let t = root.join("t");
    fs::create_dir_all(t.join("sub")).expect("mkdir");
    fs::create_dir_all(t.join("d/e")).expect("mkdir");
    fs::write(t.join("a"), b"hi\n").expect("write");
    fs::write(t.join("x"), b"#!/bin/sh\n").expect("write");
    fs::set_permissions(t.join("x"), fs::Permissions::from_mode(0o755)).expect("chmod");
    std::os::unix::fs::symlink("a", t.join("l")).expect("symlink");
    fs::write(t.join("d/e/empty"), b"").expect("write");
}

/// A temporary directory holding the tree and its NAR, `t.nar`, as written
/// by `tvix-store nar dump-path t`.
fn tree_and_nar() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    make_tree(dir.path());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tvix-store"))
        .args(["nar", "dump-path", "t"])
        .current_dir(dir.path())
        .output()
        .expect("tvix-store runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    fs::write(dir.path().join("t.nar"), out.stdout).expect("write NAR");
    dir
}

#[test]
fn dump_path_writes_the_nar_nix_writes() {
    let dir = tree_and_nar();
    let nar = fs::read(dir.path().join("t.nar")).expect("read NAR");
    assert_eq!(
        NixHash::digest_of(HashAlgo::Sha256, &nar).to_base16(),
        "218fe92de9760d68b11d873a69c47681164fd621c179d7d7d38500730f170fad"
    );
}

#[test]
fn hash_path_hashes_the_nar() {
    let dir = tempfile::tempdir().expect("tempdir");
    make_tree(dir.path());
    let r = tvix_store(dir.path(), &["hash", "path", "t"]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    expect![[r#"
        sha256-IY/pLel2DWixHYc6acR2gRZP1iHBedfX04UAcw8XD60=
    "#]]
    .assert_eq(&r.stdout);
    let r = tvix_store(
        dir.path(),
        &["hash", "path", "--base32", "--type", "sha1", "t"],
    );
    expect![[r#"
        prwg16gjcpb815z7mvdnp7h3yjqrbgmh
    "#]]
    .assert_eq(&r.stdout);
}

#[test]
fn ls_prints_what_nix_nar_ls_prints() {
    let dir = tree_and_nar();
    let r = tvix_store(dir.path(), &["nar", "ls", "-lR", "t.nar", "/"]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    expect![[r#"
        -r--r--r--                    3 ./a
        dr-xr-xr-x                    0 ./d
        dr-xr-xr-x                    0 ./d/e
        -r--r--r--                    0 ./d/e/empty
        lrwxrwxrwx                    0 ./l -> a
        dr-xr-xr-x                    0 ./sub
        -r-xr-xr-x                   10 ./x
    "#]]
    .assert_eq(&r.stdout);
    let r = tvix_store(dir.path(), &["nar", "ls", "--json", "-R", "t.nar", "/d"]);
    expect![[r#"
        {"entries":{"e":{"entries":{"empty":{"narOffset":696,"size":0,"type":"regular"}},"type":"directory"}},"type":"directory"}
    "#]]
    .assert_eq(&r.stdout);
    let r = tvix_store(dir.path(), &["nar", "ls", "t.nar", "/d/e/empty"]);
    assert_eq!(r.stdout, "empty\n");
}

#[test]
fn ls_and_cat_errors_match_nix() {
    let dir = tree_and_nar();
    let r = tvix_store(dir.path(), &["nar", "ls", "t.nar", "/nope"]);
    assert_eq!(r.status, 1);
    assert_eq!(r.stderr, "error: path '«unknown»/nope' does not exist\n");
    let r = tvix_store(dir.path(), &["nar", "cat", "t.nar", "/sub"]);
    assert_eq!(r.status, 1);
    assert_eq!(r.stderr, "error: path '/sub' is not a regular file\n");
    let r = tvix_store(dir.path(), &["nar", "ls", "-d", "--json", "t.nar"]);
    assert_eq!(r.status, 1);
    assert_eq!(r.stderr, "error: '--directory' is useless with '--json'\n");
    fs::write(dir.path().join("bad.nar"), b"garbage\n").expect("write");
    let r = tvix_store(dir.path(), &["nar", "ls", "bad.nar"]);
    assert_eq!(r.status, 1);
    assert!(
        r.stderr.contains("input doesn't look like a Nix archive"),
        "{}",
        r.stderr
    );
}

#[test]
fn cat_prints_a_file() {
    let dir = tree_and_nar();
    let r = tvix_store(dir.path(), &["nar", "cat", "t.nar", "/x"]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "#!/bin/sh\n");
}

/// Runs `tvix-store nar restore DIR` with `nar` on stdin.
fn restore(cwd: &Path, nar: &Path, target: &str) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_tvix-store"))
        .args(["nar", "restore", target])
        .current_dir(cwd)
        .stdin(Stdio::from(fs::File::open(nar).expect("open NAR")))
        .output()
        .expect("tvix-store runs")
}

#[test]
fn restore_recreates_the_tree() {
    let dir = tree_and_nar();
    let out = restore(dir.path(), &dir.path().join("t.nar"), "r");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = tvix_store(dir.path(), &["hash", "path", "r"]);
    assert_eq!(
        r.stdout,
        "sha256-IY/pLel2DWixHYc6acR2gRZP1iHBedfX04UAcw8XD60=\n"
    );
    let mode = fs::metadata(dir.path().join("r/x"))
        .expect("stat")
        .permissions()
        .mode();
    assert_eq!(mode & 0o111, 0o111, "executable bit restored");
    assert_eq!(
        fs::read_link(dir.path().join("r/l")).expect("readlink"),
        Path::new("a")
    );

    // An existing target is refused and left alone.
    let out = restore(dir.path(), &dir.path().join("t.nar"), "t");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: path 't' already exists\n"
    );
    assert_eq!(fs::read(dir.path().join("t/a")).expect("read"), b"hi\n");
}
