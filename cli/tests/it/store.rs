//! `tvix-store import`, `path-info [--json] [-r]` and `nar dump`: store paths,
//! JSON and NAR bytes identical to C++ Nix's for the same tree. The expected
//! values were produced by the reference Nix 2.26.3 on the tree of
//! [`make_tree`]: `nix-store --add t`, `nix path-info --json PATH` and
//! `nix-store --dump t | sha256sum`.

use std::{fs, path::Path};

use crate::tvix_store;

const PATH: &str = "/nix/store/gn3avp0gp9v3kjfh0qjr84whfqf07zjm-t";

fn make_tree(t: &Path) {
    fs::create_dir_all(t.join("sub")).expect("mkdir");
    fs::write(t.join("a"), b"hi\n").expect("write");
    fs::write(t.join("sub/b"), b"x\n").expect("write");
    std::os::unix::fs::symlink("a", t.join("l")).expect("symlink");
}

fn ok(r: &crate::Run) -> &str {
    assert_eq!(r.status, 0, "stderr: {}", r.stderr);
    &r.stdout
}

#[test]
fn import_path_info_and_nar_dump_match_nix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = format!("--store=local://{}/store", dir.path().display());
    import_and_check(dir.path(), &store);
}

/// Imports [`make_tree`] through `store` (a `--store=…` argument), then
/// checks path-info (JSON and `-r`) and `nar dump` in later runs.
fn import_and_check(dir: &Path, store: &str) {
    make_tree(&dir.join("t"));
    let store = store.to_owned();
    let out = ok(&tvix_store(dir, &[&store, "import", "t"])).to_owned();
    assert_eq!(out, format!("{PATH}\n"));

    // The store persists between runs.
    let json = ok(&tvix_store(dir, &[&store, "path-info", "--json", PATH])).to_owned();
    assert_eq!(
        json,
        format!(
            concat!(
                r#"{{"{}":{{"ca":"fixed:r:sha256:1m6j6dadj61s1za976v91kmsgpfxnnwbcnllcddbd8b78y07xnml","#,
                r#""deriver":null,"narHash":"sha256-tNp+gEdnobZaY5Ratri13d2n6wxpm5PUDzoY2VQz0tQ=","#,
                r#""narSize":840,"references":[],"registrationTime":0,"signatures":[],"ultimate":false}}}}"#,
                "\n"
            ),
            PATH
        )
    );
    let text = ok(&tvix_store(dir, &[&store, "path-info", "-r", PATH])).to_owned();
    assert_eq!(text, format!("{PATH}\n"));

    let nar = nar_dump(&store);
    assert_eq!(nar.len(), 840);
    // The NAR is the same as `tvix-store nar dump-path t` (tested against
    // `nix-store --dump` in nar.rs).
    let dumped = std::process::Command::new(env!("CARGO_BIN_EXE_tvix-store"))
        .args(["nar", "dump-path", "t"])
        .current_dir(dir)
        .output()
        .expect("runs");
    assert!(nar == dumped.stdout, "NARs differ");
}

#[test]
fn missing_paths() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = "--store=memory://";
    let missing = "/nix/store/00000000000000000000000000000000-x";
    let r = tvix_store(dir.path(), &[store, "path-info", missing]);
    assert_eq!(r.status, 1);
    assert!(
        r.stderr.contains(&format!("path '{missing}' is not valid")),
        "{}",
        r.stderr
    );
    // With --json, C++ Nix prints null and succeeds.
    let r = tvix_store(dir.path(), &[store, "path-info", "--json", missing]);
    assert_eq!(ok(&r), format!("{{\"{missing}\":null}}\n"));
    let r = tvix_store(dir.path(), &[store, "nar", "dump", missing]);
    assert_eq!(r.status, 1);
    let r = tvix_store(dir.path(), &[store, "path-info", "/tmp/x"]);
    assert_eq!(r.status, 1);
    assert!(r.stderr.contains("is not a store path"), "{}", r.stderr);
    let r = tvix_store(dir.path(), &[store, "import", "does-not-exist"]);
    assert_eq!(r.status, 1);
    assert!(r.stderr.contains("does-not-exist"), "{}", r.stderr);
}

#[test]
fn copy_to_a_file_cache_and_back_into_another_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    make_tree(&dir.path().join("t"));
    let a = format!("--store=local://{}/a", dir.path().display());
    let b = format!("--store=local://{}/b", dir.path().display());
    ok(&tvix_store(dir.path(), &[&a, "import", "t"]));
    let cache = format!("file://{}/cache?compression=zstd", dir.path().display());
    ok(&tvix_store(dir.path(), &[&a, "copy", "--to", &cache, PATH]));
    assert!(
        dir.path()
            .join("cache/gn3avp0gp9v3kjfh0qjr84whfqf07zjm.narinfo")
            .exists()
    );
    ok(&tvix_store(
        dir.path(),
        &[&b, "copy", "--from", &cache, PATH],
    ));
    let json_a = ok(&tvix_store(dir.path(), &[&a, "path-info", "--json", PATH])).to_owned();
    let json_b = ok(&tvix_store(dir.path(), &[&b, "path-info", "--json", PATH])).to_owned();
    assert_eq!(json_a, json_b);
    // A path the source does not have.
    let r = tvix_store(
        dir.path(),
        &[
            &b,
            "copy",
            "--to",
            &cache,
            "/nix/store/00000000000000000000000000000000-x",
        ],
    );
    assert_eq!(r.status, 1);
    assert!(r.stderr.contains("is not valid"), "{}", r.stderr);
    let r = tvix_store(dir.path(), &[&b, "copy", PATH]);
    assert_eq!(r.status, 1);
}

/// The NAR of [`PATH`] from `tvix-store STORE_FLAG nar dump`.
fn nar_dump(store_flag: &str) -> Vec<u8> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tvix-store"))
        .args([store_flag, "nar", "dump", PATH])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn copy_between_two_local_stores_keeps_the_nar() {
    let dir = tempfile::tempdir().expect("tempdir");
    make_tree(&dir.path().join("t"));
    let a = format!("local://{}/a", dir.path().display());
    let b = format!("local://{}/b", dir.path().display());
    let (sa, sb) = (format!("--store={a}"), format!("--store={b}"));
    ok(&tvix_store(dir.path(), &[&sa, "import", "t"]));
    // Neither side is --store (and the default store is not opened).
    ok(&tvix_store(
        dir.path(),
        &["copy", "--from", &a, "--to", &b, PATH],
    ));
    let (nar_a, nar_b) = (nar_dump(&sa), nar_dump(&sb));
    assert!(!nar_a.is_empty());
    assert!(nar_a == nar_b, "NARs differ");
    let json_a = ok(&tvix_store(dir.path(), &[&sa, "path-info", "--json", PATH])).to_owned();
    let json_b = ok(&tvix_store(dir.path(), &[&sb, "path-info", "--json", PATH])).to_owned();
    assert_eq!(json_a, json_b);
    // --to with the source as --store, into a third store; copying again is
    // a no-op.
    let c = format!("local://{}/c", dir.path().display());
    ok(&tvix_store(dir.path(), &[&sb, "copy", "--to", &c, PATH]));
    ok(&tvix_store(dir.path(), &[&sb, "copy", "--to", &c, PATH]));
    ok(&tvix_store(
        dir.path(),
        &["copy", "--from", &c, "--to", &c, PATH],
    ));
    assert!(nar_dump(&format!("--store={c}")) == nar_a, "NARs differ");
}

#[test]
fn copy_to_and_from_a_daemon() {
    let dir = tempfile::tempdir().expect("tempdir");
    make_tree(&dir.path().join("t"));
    let sock = dir.path().join("d.sock");
    let daemon = crate::start_daemon(&sock);
    let grpc_url = format!("grpc+unix://{}", sock.display());
    let grpc = format!("--store={grpc_url}");
    let a = format!("--store=local://{}/a", dir.path().display());
    let b = format!("local://{}/b", dir.path().display());
    ok(&tvix_store(dir.path(), &[&a, "import", "t"]));
    let grpc_url = &grpc["--store=".len()..];
    ok(&tvix_store(
        dir.path(),
        &[&a, "copy", "--to", grpc_url, PATH],
    ));
    ok(&tvix_store(dir.path(), &[&grpc, "copy", "--to", &b, PATH]));
    let nar_a = nar_dump(&a);
    assert!(nar_dump(&grpc) == nar_a, "NARs differ");
    assert!(nar_dump(&format!("--store={b}")) == nar_a, "NARs differ");
    crate::stop_daemon(daemon);
}

#[test]
fn daemon_serves_pathinfo_next_to_castore() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sock = dir.path().join("d.sock");
    let daemon = crate::start_daemon(&sock);
    // Each command is a separate client: what import put is kept by the daemon.
    import_and_check(
        dir.path(),
        &format!("--store=grpc+unix://{}", sock.display()),
    );
    crate::stop_daemon(daemon);
}
