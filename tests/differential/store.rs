//! tvix-store against the reference: for random trees (odd names, symlinks,
//! executables, empty files and directories), `tvix_store::import::add_path`
//! gives the same store path, NAR hash and NAR size as `nix-store --add` and
//! `nix path-info --json`, and rendering the imported tree back gives the NAR
//! `nix-store --dump` writes of the added store path. The `tvix-store`
//! binary's `import`, `path-info --json` and `nar dump` are checked against
//! the same commands once.

use std::path::Path;

use proptest::prelude::*;
use tvix_store::{
    composition::{Services, StoreComposition},
    import::add_path,
    nar::{RenderOptions, write_nar},
};
use tvix_tests::{fstree, reference};

pub(crate) fn path_str(p: &Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}

fn services() -> Services {
    StoreComposition::from_url("memory://")
        .expect("url")
        .build_root()
        .expect("builds")
}

/// `nix path-info --json` of `path`, without the registration time (which we
/// do not keep).
fn reference_json(path: &str) -> serde_json::Value {
    let out = reference::run("nix", &["path-info", "--json", path]);
    let mut v: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
    v[path]["registrationTime"] = serde_json::Value::from(0);
    v
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 48,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn add_path_matches_nix_store_add(tree in fstree::tree()) {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("tree");
        tree.create(&root);
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        let services = services();
        let info = rt.block_on(add_path(&services, &root)).expect("we add");
        let theirs = reference::run("nix-store", &["--add", path_str(&root)]);
        let theirs = String::from_utf8_lossy(&theirs).trim().to_owned();
        prop_assert_eq!(info.store_path.to_absolute_path(), theirs.clone());

        let ours = tvix_store::path_info_json_document([(theirs.clone(), Some(info.to_json()))]);
        let ours: serde_json::Value = serde_json::from_str(&ours).expect("our JSON");
        prop_assert_eq!(ours, reference_json(&theirs));

        let nar = rt
            .block_on(write_nar(Vec::new(), &info.node, &services.store, RenderOptions::default()))
            .expect("we render");
        let their_nar = reference::run("nix-store", &["--dump", &theirs]);
        prop_assert!(nar == their_nar, "NAR differs from nix-store --dump");
    }
}

#[test]
fn cli_import_path_info_and_nar_dump() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("cli-tree");
    std::fs::create_dir_all(root.join("d")).expect("mkdir");
    std::fs::write(root.join("d/f"), vec![42u8; 300_000]).expect("write");
    std::fs::write(root.join("g"), b"g\n").expect("write");
    let store = format!("--store=local://{}/store", dir.path().display());
    let run = |args: &[&str]| {
        let out = tvix_tests::our_binary("tvix-store")
            .arg(&store)
            .args(args)
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let ours = String::from_utf8(run(&["import", path_str(&root)])).expect("UTF-8");
    let theirs = reference::run("nix-store", &["--add", path_str(&root)]);
    assert_eq!(ours, String::from_utf8_lossy(&theirs));
    let path = ours.trim();
    let json: serde_json::Value =
        serde_json::from_slice(&run(&["path-info", "--json", path])).expect("JSON");
    assert_eq!(json, reference_json(path));
    assert!(run(&["nar", "dump", path]) == reference::run("nix-store", &["--dump", path]));
}

/// A tree whose contents differ on every run, so the reference store (which
/// persists between runs) does not have it yet.
pub(crate) fn fresh_tree(root: &Path) {
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_nanos();
    std::fs::create_dir_all(root.join("sub")).expect("mkdir");
    std::fs::write(root.join("nonce"), format!("{nonce}\n")).expect("write");
    let big: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8 ^ (nonce as u8))
        .collect();
    std::fs::write(root.join("sub/big"), big).expect("write");
    std::os::unix::fs::symlink("nonce", root.join("link")).expect("symlink");
}

/// A key pair made by the reference: (secret key file, public key).
pub(crate) fn keys(dir: &Path) -> (std::path::PathBuf, String) {
    let sk = reference::run(
        "nix",
        &["key", "generate-secret", "--key-name", "tvix-test-1"],
    );
    let path = dir.join("sk");
    std::fs::write(&path, &sk).expect("write key");
    let pk = reference::run_with_stdin("nix", &["key", "convert-secret-to-public"], &sk);
    (
        path,
        String::from_utf8(pk).expect("UTF-8").trim().to_owned(),
    )
}

pub(crate) fn tvix(store: &str, args: &[&str]) -> std::process::Output {
    tvix_tests::our_binary("tvix-store")
        .arg(format!("--store={store}"))
        .args(args)
        .output()
        .expect("runs")
}

pub(crate) fn tvix_ok(store: &str, args: &[&str]) -> Vec<u8> {
    let out = tvix(store, args);
    assert!(
        out.status.success(),
        "tvix-store {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

pub(crate) fn query_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Drops the narinfo's `CA:` line, so the path needs a signature.
pub(crate) fn strip_ca(cache: &Path, path: &str) -> std::path::PathBuf {
    let narinfo = cache.join(format!("{}.narinfo", &path[11..43]));
    let text = std::fs::read_to_string(&narinfo).expect("narinfo");
    let no_ca: String = text
        .lines()
        .filter(|l| !l.starts_with("CA: "))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&narinfo, no_ca).expect("write");
    narinfo
}

#[test]
fn a_cache_we_write_is_read_and_verified_by_nix() {
    for compression in ["xz", "zstd", "bzip2", "none"] {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("exported");
        fresh_tree(&root);
        let (sk, pk) = keys(dir.path());
        let store = format!("local://{}/store", dir.path().display());
        let out = tvix_ok(&store, &["import", path_str(&root)]);
        let path = String::from_utf8(out).expect("UTF-8").trim().to_owned();
        let cache = format!("file://{}/cache", dir.path().display());
        let to = format!(
            "{cache}?compression={compression}&secret-key={}",
            sk.display()
        );
        tvix_ok(&store, &["copy", "--to", &to, &path]);
        reference::run(
            "nix",
            &[
                "store",
                "verify",
                "--store",
                &cache,
                "--trusted-public-keys",
                &pk,
                &path,
            ],
        );
        reference::run(
            "nix",
            &[
                "copy",
                "--from",
                &cache,
                "--trusted-public-keys",
                &pk,
                &path,
            ],
        );
        reference::run(
            "nix",
            &[
                "store",
                "verify",
                "--sigs-needed",
                "1",
                "--trusted-public-keys",
                &pk,
                &path,
            ],
        );
        let theirs = reference::run("nix-store", &["--dump", &path]);
        assert!(
            theirs == tvix_ok(&store, &["nar", "dump", &path]),
            "{compression}: NAR differs"
        );
    }
}

#[test]
fn a_cache_nix_writes_is_read_by_us() {
    for compression in ["xz", "zstd", "bzip2", "none"] {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("from-nix");
        fresh_tree(&root);
        let (sk, pk) = keys(dir.path());
        let added = reference::run("nix-store", &["--add", path_str(&root)]);
        let path = String::from_utf8(added).expect("UTF-8").trim().to_owned();
        let cache_dir = dir.path().join("cache");
        let to = format!(
            "file://{}?compression={compression}&secret-key={}",
            cache_dir.display(),
            sk.display()
        );
        reference::run("nix", &["copy", "--to", &to, &path]);
        let store = format!("local://{}/store", dir.path().display());
        let from = format!(
            "file://{}?trusted-public-keys={}",
            cache_dir.display(),
            query_encode(&pk)
        );
        tvix_ok(&store, &["copy", "--from", &from, &path]);
        let ours: serde_json::Value =
            serde_json::from_slice(&tvix_ok(&store, &["path-info", "--json", &path]))
                .expect("JSON");
        let cache_url = format!("file://{}", cache_dir.display());
        let theirs: serde_json::Value = serde_json::from_slice(&reference::run(
            "nix",
            &["path-info", "--json", "--store", &cache_url, &path],
        ))
        .expect("JSON");
        for key in [
            "ca",
            "deriver",
            "narHash",
            "narSize",
            "references",
            "signatures",
        ] {
            assert_eq!(ours[&path][key], theirs[&path][key], "{compression}: {key}");
        }
        let nar = reference::run("nix-store", &["--dump", &path]);
        assert!(
            nar == tvix_ok(&store, &["nar", "dump", &path]),
            "{compression}: NAR differs"
        );

        // Without its CA line the path needs a signature: a wrong key is refused.
        strip_ca(&cache_dir, &path);
        let other_dir = dir.path().join("other");
        std::fs::create_dir_all(&other_dir).expect("mkdir");
        let (_, other_pk) = keys(&other_dir);
        let wrong = format!(
            "file://{}?trusted-public-keys={}",
            cache_dir.display(),
            query_encode(&other_pk)
        );
        let out = tvix("memory://", &["copy", "--from", &wrong, &path]);
        assert!(!out.status.success(), "accepted an untrusted path");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("no signature by a trusted key"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        tvix_ok("memory://", &["copy", "--from", &from, &path]);
    }
}
