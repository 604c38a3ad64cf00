//! Tests of composition parsing, URL conversion and instantiation errors.

use super::*;
use rstest::rstest;

fn cfg(url: &str) -> BTreeMap<String, InstanceConfig> {
    url::to_config(url, "root").expect("converts")
}

#[rstest]
#[case("memory://", InstanceConfig::Memory {})]
#[case("local:///var/lib/x", InstanceConfig::Local { path: "/var/lib/x".into() })]
#[case("redb:///var/lib/x", InstanceConfig::Local { path: "/var/lib/x".into() })]
#[case("grpc+unix:///run/castore.sock", InstanceConfig::Grpc { url: "grpc+unix:///run/castore.sock".into() })]
#[case("grpc+http://[::1]:8000", InstanceConfig::Grpc { url: "grpc+http://[::1]:8000".into() })]
#[case("objectstore+file:///srv/blobs", InstanceConfig::ObjectStore { url: "file:///srv/blobs".into(), options: BTreeMap::new() })]
#[case("objectstore+memory:///", InstanceConfig::ObjectStore { url: "memory:///".into(), options: BTreeMap::new() })]
#[case("objectstore+s3://bucket/p?region=eu-west-1", InstanceConfig::ObjectStore {
    url: "s3://bucket/p".into(),
    options: BTreeMap::from([("region".into(), "eu-west-1".into())]),
})]
fn url_table(#[case] url: &str, #[case] expected: InstanceConfig) {
    assert_eq!(cfg(url), BTreeMap::from([("root".to_owned(), expected)]));
}

#[test]
fn cache_parameter_wraps_any_url() {
    let c = cfg("grpc+unix:///s.sock?cache=local:///tmp/c");
    assert_eq!(
        c,
        BTreeMap::from([
            (
                "root".to_owned(),
                InstanceConfig::Cache {
                    near: "root.cache".into(),
                    far: "root.inner".into()
                }
            ),
            (
                "root.inner".to_owned(),
                InstanceConfig::Grpc {
                    url: "grpc+unix:///s.sock".into()
                }
            ),
            (
                "root.cache".to_owned(),
                InstanceConfig::Local {
                    path: "/tmp/c".into()
                }
            ),
        ])
    );
}

#[rstest]
#[case("memory://host", "takes no host")]
#[case("local://host/x", "takes no host")]
#[case("local:///", "needs a directory")]
#[case("ftp://x", "unknown store URL scheme \"ftp\"")]
#[case("not a url", "is not a URL")]
fn bad_urls(#[case] url: &str, #[case] msg: &str) {
    let e = url::to_config(url, "root").expect_err("rejected");
    assert!(e.to_string().contains(msg), "{e}");
}

fn build_err(toml: &str) -> String {
    let mut c = Composition::from_toml(toml).expect("parses");
    let e = c.build_root().expect_err("fails");
    crate::conformance::chain(&e)
}

#[test]
fn unknown_reference_names_both_ends() {
    let e = build_err(
        r#"
        [stores.root]
        type = "cache"
        near = "fast"
        far = "slow"
        [stores.fast]
        type = "memory"
        "#,
    );
    assert_eq!(e, "unknown store \"slow\" (referred to by \"root\")");
}

#[test]
fn missing_root_is_unknown() {
    let e = build_err("root = \"main\"\n");
    assert_eq!(e, "unknown store \"main\"");
}

#[test]
fn cycles_are_reported_with_their_path() {
    let e = build_err(
        r#"
        [stores.root]
        type = "retry"
        inner = "a"
        [stores.a]
        type = "list"
        stores = ["b"]
        [stores.b]
        type = "cache"
        near = "a"
        far = "root"
        "#,
    );
    assert_eq!(e, "reference cycle: a -> b -> a");
}

#[rstest]
#[case("[stores.root]\ntype = \"floppy\"\n", "unknown variant `floppy`")]
#[case(
    "[stores.root]\ntype = \"memory\"\npath = \"/x\"\n",
    "unknown field `path`"
)]
#[case("[stores.root]\ntype = \"local\"\n", "missing field `path`")]
#[case("colour = 1\n", "unknown field `colour`")]
fn bad_toml(#[case] toml: &str, #[case] msg: &str) {
    let e = Composition::from_toml(toml).expect_err("rejected");
    assert!(
        crate::conformance::chain(&e).contains(msg),
        "{}",
        crate::conformance::chain(&e)
    );
}

#[tokio::test]
async fn each_alias_is_built_once() {
    let mut c = Composition::from_toml(
        r#"
        [stores.root]
        type = "split"
        chunks = "m"
        blobs = "m"
        directories = "m"
        [stores.m]
        type = "memory"
        "#,
    )
    .expect("parses");
    let root = c.build_root().expect("builds");
    let m = c.build("m").expect("builds");
    // The root's services are m's services: what one writes, the other reads.
    let d = root.put_blob(b"shared").await.expect("put");
    assert_eq!(
        m.read_blob(&d).await.expect("read"),
        Some(b"shared".to_vec())
    );
    assert!(Arc::ptr_eq(root.chunks(), m.chunks()));
    assert_eq!(m.name().as_ref(), "m");
}

#[tokio::test]
async fn instance_names_appear_in_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut c = Composition::from_url(&format!("local://{}", dir.path().display())).expect("url");
    let store = c.build_root().expect("builds");
    let d = crate::B3Digest::of(b"missing");
    let e = store
        .directories()
        .get_closure(&d)
        .await
        .expect_err("not found");
    assert_eq!(e.to_string(), format!("root: directory {d} not found"));
}

#[test]
fn options_apply_to_built_stores() {
    let mut c = Composition::from_toml(
        "[options]\nprefetch = 9\navg_chunk_size = 65536\n[stores.root]\ntype = \"memory\"\n",
    )
    .expect("parses");
    let s = c.build_root().expect("builds");
    assert_eq!(s.options().prefetch, 9);
    assert_eq!(s.options().avg_chunk_size, 65536);
}
