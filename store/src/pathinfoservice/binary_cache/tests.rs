//! The file binary cache: put then get through a fresh castore store for every
//! compression, the layout C++ Nix reads, signature checks, missing files, and
//! `copy_closure` in both directions.

use std::sync::Arc;

use nix_compat::{narinfo::NarInfo, signature::SecretKey, store_path::StorePath};
use rstest::rstest;
use tvix_castore::{ErrorKind, Store, backend::memory::MemoryBackend};

use super::BinaryCachePathInfoService;
use crate::{
    PathInfo, PathInfoService,
    copy::copy_closure,
    nar::{ExpectedNar, IngestOptions, ingest_nar},
    pathinfoservice::memory::MemoryPathInfoService,
};

pub(super) fn store() -> Store {
    Store::from_backend("mem".into(), MemoryBackend::new("mem".into()))
}

const NAR: &[u8] = include_bytes!("../../../../nix-compat/src/nar/tests/golden/complicated.nar");

/// A PathInfo for the complicated NAR, ingested into `store`, referring to `refs`.
pub(super) async fn info_in(store: &Store, name: &str, refs: Vec<StorePath<String>>) -> PathInfo {
    let got = ingest_nar(
        store,
        NAR,
        &ExpectedNar::default(),
        IngestOptions::default(),
    )
    .await
    .expect("ingests");
    let mut digest = [0u8; 20];
    digest[..name.len().min(20)].copy_from_slice(&name.as_bytes()[..name.len().min(20)]);
    PathInfo {
        store_path: StorePath::from_name_and_digest(name, digest).expect("valid"),
        node: got.node,
        references: refs,
        nar_size: got.nar_size,
        nar_sha256: got.nar_sha256,
        deriver: None,
        signatures: vec![],
        ca: None,
    }
}

fn url(dir: &std::path::Path, opts: &str) -> String {
    format!("file://{}{opts}", dir.display())
}

#[rstest]
#[case("none", "")]
#[case("xz", ".xz")]
#[case("zstd", ".zst")]
#[case("bzip2", ".bz2")]
#[tokio::test]
async fn put_then_get_through_another_store(#[case] method: &str, #[case] ext: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = store();
    let info = info_in(&src, "hello", vec![]).await;
    let cache = BinaryCachePathInfoService::from_url(
        "cache".into(),
        &url(dir.path(), &format!("?compression={method}")),
        src,
    )
    .expect("url");
    cache.put(info.clone()).await.expect("put");
    assert!(cache.has(&info.hash()).await.expect("has"));
    let text = std::fs::read_to_string(dir.path().join(format!("{}.narinfo", info.hash())))
        .expect("narinfo written");
    let n = NarInfo::parse(&text).expect("parses");
    assert_eq!(n.compression, Some(method));
    assert!(n.url.ends_with(&format!(".nar{ext}")), "{}", n.url);
    assert!(dir.path().join(&*n.url).exists());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("nix-cache-info")).expect("cache info"),
        "StoreDir: /nix/store\n"
    );
    // Another cache over an empty store reads it back, ingesting the NAR.
    let reader =
        BinaryCachePathInfoService::from_url("reader".into(), &url(dir.path(), ""), store())
            .expect("url");
    let back = reader.get(&info.hash()).await.expect("get").expect("found");
    assert_eq!(back, info);
    let absent = crate::StorePathHash([3; 20]);
    assert_eq!(reader.get(&absent).await.expect("get"), None);
    assert!(!reader.has(&absent).await.expect("has"));
}

#[tokio::test]
async fn signatures_are_made_and_checked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = SecretKey::from_seed("cache-1", [4; 32]).expect("key");
    let key_file = dir.path().join("sk");
    std::fs::write(&key_file, key.to_key_file_string()).expect("write");
    let cache_dir = dir.path().join("c");
    let src = store();
    let info = info_in(&src, "signed", vec![]).await;
    let cache = BinaryCachePathInfoService::from_url(
        "cache".into(),
        &url(&cache_dir, &format!("?secret-key={}", key_file.display())),
        src,
    )
    .expect("url");
    let stored = cache.put(info.clone()).await.expect("put");
    assert_eq!(stored.signatures.len(), 1);

    let enc = |s: String| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let pk = enc(key.public_key().to_string());
    let trusting = BinaryCachePathInfoService::from_url(
        "t".into(),
        &url(&cache_dir, &format!("?trusted-public-keys={pk}")),
        store(),
    )
    .expect("url");
    assert!(trusting.get(&info.hash()).await.expect("trusted").is_some());

    let other = enc(SecretKey::from_seed("cache-1", [5; 32])
        .expect("key")
        .public_key()
        .to_string());
    let distrusting = BinaryCachePathInfoService::from_url(
        "d".into(),
        &url(&cache_dir, &format!("?trusted-public-keys={other}")),
        store(),
    )
    .expect("url");
    let err = distrusting.get(&info.hash()).await.expect_err("untrusted");
    assert_eq!(err.kind(), ErrorKind::Corrupt);
    assert!(
        format!("{:?}", err).contains("no signature by a trusted key"),
        "{err:?}"
    );
}

#[tokio::test]
async fn missing_or_corrupt_nar_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = store();
    let info = info_in(&src, "gone", vec![]).await;
    let cache = BinaryCachePathInfoService::from_url(
        "cache".into(),
        &url(dir.path(), "?compression=none"),
        src,
    )
    .expect("url");
    cache.put(info.clone()).await.expect("put");
    let text = std::fs::read_to_string(dir.path().join(format!("{}.narinfo", info.hash())))
        .expect("narinfo");
    let nar_file = dir
        .path()
        .join(&*NarInfo::parse(&text).expect("parses").url);
    let mut bytes = std::fs::read(&nar_file).expect("nar");
    let last = bytes.len() - 20;
    bytes[last] ^= 1;
    std::fs::write(&nar_file, &bytes).expect("write");
    let err = cache.get(&info.hash()).await.expect_err("corrupt");
    assert_eq!(err.kind(), ErrorKind::Corrupt);
    std::fs::remove_file(&nar_file).expect("rm");
    let err = cache.get(&info.hash()).await.expect_err("missing");
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[rstest]
#[case("ftp://example.com/cache")]
#[case("https://")]
#[case("http://example.com/c?narinfo-negative-ttl=soon")]
#[case("file:///tmp/x?compression=lz4")]
#[case("file:///tmp/x?bogus=1")]
#[case("file://host/tmp/x")]
fn bad_urls(#[case] u: &str) {
    assert!(BinaryCachePathInfoService::from_url("c".into(), u, store()).is_err());
}

#[tokio::test]
async fn copy_closure_to_and_from_a_cache() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src_store = store();
    let dep = info_in(&src_store, "dep", vec![]).await;
    let top = info_in(&src_store, "top", vec![dep.store_path.clone()]).await;
    let ours = Arc::new(MemoryPathInfoService::new("ours".into()));
    ours.put(dep.clone()).await.expect("put");
    ours.put(top.clone()).await.expect("put");
    let cache = BinaryCachePathInfoService::from_url(
        "cache".into(),
        &url(dir.path(), "?compression=zstd"),
        src_store,
    )
    .expect("url");
    let copied = copy_closure(&*ours, &cache, std::slice::from_ref(&top.store_path))
        .await
        .expect("copies");
    // References first.
    assert_eq!(copied, vec![dep.store_path.clone(), top.store_path.clone()]);
    // Copying again copies nothing.
    let again = copy_closure(&*ours, &cache, std::slice::from_ref(&top.store_path))
        .await
        .expect("copies");
    assert!(again.is_empty());

    let fresh = store();
    let theirs = BinaryCachePathInfoService::from_url("from".into(), &url(dir.path(), ""), fresh)
        .expect("url");
    let dst = MemoryPathInfoService::new("dst".into());
    let copied = copy_closure(&theirs, &dst, std::slice::from_ref(&top.store_path))
        .await
        .expect("copies back");
    assert_eq!(copied.len(), 2);
    assert_eq!(dst.get(&top.hash()).await.expect("get"), Some(top));
}
