//! The store composition: TOML, the URL table, references, errors.

use std::sync::Arc;

use rstest::rstest;

use super::{PathInfoConfig, StoreComposition, StoreCompositionError, url::to_config};
use crate::pathinfoservice::tests::fixture_info;

#[rstest]
#[case("memory://", PathInfoConfig::Memory {})]
#[case("local:///var/tvix", PathInfoConfig::Redb { path: Some("/var/tvix/pathinfo.redb".into()) })]
#[case("redb:///d", PathInfoConfig::Redb { path: Some("/d/pathinfo.redb".into()) })]
#[case("objectstore+file:///o", PathInfoConfig::Redb { path: Some("/o/pathinfo.redb".into()) })]
#[case("objectstore+memory:///", PathInfoConfig::Memory {})]
#[case("grpc+unix:///run/s.sock", PathInfoConfig::Grpc { url: "grpc+unix:///run/s.sock".into() })]
#[case("grpc+http://[::1]:8000", PathInfoConfig::Grpc { url: "grpc+http://[::1]:8000".into() })]
#[case("nix+file:///c?compression=zstd", PathInfoConfig::Nix { url: "file:///c?compression=zstd".into(), store: None })]
#[case("nix+http://h:8080/c", PathInfoConfig::Nix { url: "http://h:8080/c".into(), store: None })]
#[case("nix+https://cache.nixos.org?priority=40", PathInfoConfig::Nix { url: "https://cache.nixos.org?priority=40".into(), store: None })]
#[case("sqlite:///var/db/pathinfo.sqlite", PathInfoConfig::Sqlite { path: Some("/var/db/pathinfo.sqlite".into()) })]
fn url_table(#[case] url: &str, #[case] want: PathInfoConfig) {
    let cfg = to_config(url, "root").expect("converts");
    assert_eq!(cfg.len(), 1);
    assert_eq!(cfg["root"], want);
}

#[test]
fn url_with_cache() {
    let cfg = to_config("grpc+http://h:1?cache=memory://", "root").expect("converts");
    assert_eq!(
        cfg["root"],
        PathInfoConfig::Cache {
            near: "root.cache".into(),
            far: "root.inner".into()
        }
    );
    assert_eq!(cfg["root.cache"], PathInfoConfig::Memory {});
    assert_eq!(
        cfg["root.inner"],
        PathInfoConfig::Grpc {
            url: "grpc+http://h:1".into()
        }
    );
}

#[rstest]
#[case("objectstore+s3://bucket/x")]
#[case("nonsense")]
fn url_without_pathinfo(#[case] url: &str) {
    assert!(to_config(url, "root").is_err());
}

const TOML: &str = r#"
root = "mem"
pathinfo_root = "front"

[stores.mem]
type = "memory"

[pathinfo.front]
type = "cache"
near = "recent"
far = "db"

[pathinfo.recent]
type = "lru"
capacity = 10

[pathinfo.db]
type = "redb"
"#;

#[tokio::test]
async fn toml_builds_castore_and_pathinfo_once() {
    let mut c = StoreComposition::from_toml(TOML).expect("parses");
    let services = c.build_root().expect("builds");
    assert_eq!(&**services.store.name(), "mem");
    let a = fixture_info("a", 1);
    services.pathinfo.put(a.clone()).await.expect("put");
    // The same alias gives the same instance.
    let db = c.build_pathinfo("db").expect("db");
    assert_eq!(db.get(&a.hash()).await.expect("get"), Some(a));
    let again = c.build_pathinfo("front").expect("front");
    assert!(Arc::ptr_eq(&again, &services.pathinfo));
}

#[test]
fn unknown_alias_and_cycle_are_named() {
    let bad = r#"
[stores.root]
type = "memory"
[pathinfo.root]
type = "cache"
near = "a"
far = "missing"
[pathinfo.a]
type = "memory"
"#;
    let err = StoreComposition::from_toml(bad)
        .expect("parses")
        .build_root()
        .err()
        .expect("unknown");
    assert!(
        matches!(&err, StoreCompositionError::UnknownAlias { alias, referrer: Some(r) } if alias == "missing" && r == "root"),
        "{err}"
    );
    let cyclic = r#"
[stores.root]
type = "memory"
[pathinfo.root]
type = "cache"
near = "b"
far = "root"
[pathinfo.b]
type = "memory"
"#;
    let err = StoreComposition::from_toml(cyclic)
        .expect("parses")
        .build_root()
        .err()
        .expect("cycle");
    assert_eq!(err.to_string(), "reference cycle: root -> root");
}

#[test]
fn unknown_fields_are_rejected() {
    let err = StoreComposition::from_toml("[pathinfo.x]\ntype = \"memory\"\nfoo = 1\n")
        .expect_err("unknown field");
    assert!(matches!(
        err,
        StoreCompositionError::Castore(tvix_castore::composition::CompositionError::Toml(_))
    ));
}

#[tokio::test]
async fn local_url_keeps_pathinfo_beside_castore() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("local://{}", dir.path().display());
    let a = fixture_info("a", 1);
    {
        let s = StoreComposition::from_url(&url)
            .expect("url")
            .build_root()
            .expect("build");
        s.pathinfo.put(a.clone()).await.expect("put");
    }
    assert!(dir.path().join("pathinfo.redb").exists());
    let s = StoreComposition::from_url(&url)
        .expect("url")
        .build_root()
        .expect("build");
    assert_eq!(s.pathinfo.get(&a.hash()).await.expect("get"), Some(a));
}

#[tokio::test]
async fn signing_from_toml() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = nix_compat::signature::SecretKey::from_seed("k-1", [3; 32]).expect("key");
    let key_file = dir.path().join("sk");
    std::fs::write(&key_file, key.to_key_file_string()).expect("write");
    let toml = format!(
        "[stores.root]\ntype = \"memory\"\n[pathinfo.root]\ntype = \"signing\"\ninner = \"db\"\nkeyfile = {:?}\n[pathinfo.db]\ntype = \"memory\"\n",
        key_file.display().to_string()
    );
    let mut c = StoreComposition::from_toml(&toml).expect("parses");
    let s = c.build_root().expect("builds");
    let mut a = fixture_info("a", 1);
    a.signatures.clear();
    s.pathinfo.put(a.clone()).await.expect("put");
    let db = c.build_pathinfo("db").expect("db");
    let got = db.get(&a.hash()).await.expect("get").expect("stored");
    assert_eq!(got.signatures.len(), 1);
    assert_eq!(got.signatures[0].name(), "k-1");
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn sqlite_from_toml_persists() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("db/pathinfo.sqlite");
    let toml = format!(
        "[stores.root]\ntype = \"memory\"\n[pathinfo.root]\ntype = \"sqlite\"\npath = {:?}\n",
        db.display().to_string()
    );
    let a = fixture_info("a", 1);
    StoreComposition::from_toml(&toml)
        .expect("parses")
        .build_root()
        .expect("builds")
        .pathinfo
        .put(a.clone())
        .await
        .expect("put");
    assert!(db.exists());
    let s = StoreComposition::from_toml(&toml)
        .expect("parses")
        .build_root()
        .expect("builds");
    assert_eq!(s.pathinfo.get(&a.hash()).await.expect("get"), Some(a));
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn pathinfo_references_may_be_urls() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("p.sqlite");
    let toml = format!(
        "[stores.root]\ntype = \"memory\"\n[pathinfo.root]\ntype = \"cache\"\nnear = \"memory://\"\nfar = \"sqlite://{}\"\n",
        db.display()
    );
    let a = fixture_info("a", 1);
    let mut c = StoreComposition::from_toml(&toml).expect("parses");
    c.build_root()
        .expect("builds")
        .pathinfo
        .put(a.clone())
        .await
        .expect("put");
    // The far side is the database file, built once under its URL.
    let far = c
        .build_pathinfo(&format!("sqlite://{}", db.display()))
        .expect("built");
    assert_eq!(far.get(&a.hash()).await.expect("get"), Some(a));
    assert!(db.exists());
}
