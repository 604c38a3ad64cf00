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

fn path_str(p: &Path) -> &str {
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
