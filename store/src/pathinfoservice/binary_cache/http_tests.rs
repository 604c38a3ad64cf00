//! The HTTP binary cache against a local test server: put then get through
//! HTTP for every compression, reading a cache written as a directory,
//! negative caching, signatures, corrupt and missing NARs, servers that are
//! not caches or fail, and `copy_closure` to and from HTTP.

use std::sync::Arc;

use nix_compat::{narinfo::NarInfo, signature::SecretKey};
use rstest::rstest;
use tvix_castore::ErrorKind;

use super::{
    BinaryCachePathInfoService,
    test_server::{Mode, serve},
    tests::{info_in, store},
};
use crate::{
    PathInfoService, StorePathHash, copy::copy_closure,
    pathinfoservice::memory::MemoryPathInfoService,
};

fn file_url(dir: &std::path::Path, opts: &str) -> String {
    format!("file://{}{opts}", dir.display())
}

#[rstest]
#[case("none")]
#[case("xz")]
#[case("zstd")]
#[case("bzip2")]
#[tokio::test]
async fn put_then_get_over_http(#[case] method: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = serve(dir.path().to_owned(), Mode::Writable).await;
    let src = store();
    let info = info_in(&src, "hello", vec![]).await;
    let cache = BinaryCachePathInfoService::from_url(
        "up".into(),
        &format!("nix+{}?compression={method}", server.url),
        src,
    )
    .expect("url");
    cache.put(info.clone()).await.expect("put");
    // The files are where C++ Nix puts them.
    assert_eq!(
        std::fs::read_to_string(dir.path().join("nix-cache-info")).expect("cache info"),
        "StoreDir: /nix/store\n"
    );
    let text = std::fs::read_to_string(dir.path().join(format!("{}.narinfo", info.hash())))
        .expect("narinfo");
    let n = NarInfo::parse(&text).expect("parses");
    assert_eq!(n.compression, Some(method));
    assert!(dir.path().join(&*n.url).exists());
    // A reader over an empty castore gets it back.
    let reader =
        BinaryCachePathInfoService::from_url("down".into(), &server.url, store()).expect("url");
    assert!(reader.has(&info.hash()).await.expect("has"));
    assert_eq!(
        reader.get(&info.hash()).await.expect("get"),
        Some(info.clone())
    );
}

#[tokio::test]
async fn reads_a_directory_cache_and_remembers_misses() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = store();
    let info = info_in(&src, "served", vec![]).await;
    BinaryCachePathInfoService::from_url("w".into(), &file_url(dir.path(), ""), src)
        .expect("url")
        .put(info.clone())
        .await
        .expect("put");
    let server = serve(dir.path().to_owned(), Mode::ReadOnly).await;
    let cache =
        BinaryCachePathInfoService::from_url("r".into(), &server.url, store()).expect("url");
    assert_eq!(
        cache.get(&info.hash()).await.expect("get"),
        Some(info.clone())
    );
    // nix-cache-info is fetched once.
    assert_eq!(server.count("GET /nix-cache-info"), 1);

    let absent = StorePathHash([7; 20]);
    let narinfo = format!("/{absent}.narinfo");
    assert_eq!(cache.get(&absent).await.expect("get"), None);
    assert_eq!(cache.get(&absent).await.expect("get"), None);
    assert!(!cache.has(&absent).await.expect("has"));
    // Asked once; then remembered as missing.
    assert_eq!(server.count(&format!("GET {narinfo}")), 1);
    assert_eq!(server.count(&format!("HEAD {narinfo}")), 0);
    assert_eq!(server.count("GET /nix-cache-info"), 1);

    // Without negative caching every lookup asks.
    let uncached = BinaryCachePathInfoService::from_url(
        "u".into(),
        &format!("{}?narinfo-negative-ttl=0&priority=40", server.url),
        store(),
    )
    .expect("url");
    assert!(!uncached.has(&absent).await.expect("has"));
    assert!(!uncached.has(&absent).await.expect("has"));
    assert_eq!(server.count(&format!("HEAD {narinfo}")), 2);
}

#[tokio::test]
async fn put_forgets_a_remembered_miss() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = serve(dir.path().to_owned(), Mode::Writable).await;
    let src = store();
    let info = info_in(&src, "late", vec![]).await;
    let cache = BinaryCachePathInfoService::from_url("c".into(), &server.url, src).expect("url");
    cache
        .put(info_in(&store(), "other", vec![]).await)
        .await
        .expect("put");
    assert!(!cache.has(&info.hash()).await.expect("has"));
    cache.put(info.clone()).await.expect("put");
    assert!(cache.has(&info.hash()).await.expect("has"));
}

#[tokio::test]
async fn signatures_corrupt_and_missing_nars() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = SecretKey::from_seed("cache-1", [4; 32]).expect("key");
    let key_file = dir.path().join("sk");
    std::fs::write(&key_file, key.to_key_file_string()).expect("write");
    let cache_dir = dir.path().join("c");
    let src = store();
    let info = info_in(&src, "signed", vec![]).await;
    BinaryCachePathInfoService::from_url(
        "w".into(),
        &file_url(
            &cache_dir,
            &format!("?compression=none&secret-key={}", key_file.display()),
        ),
        src,
    )
    .expect("url")
    .put(info.clone())
    .await
    .expect("put");
    let server = serve(cache_dir.clone(), Mode::ReadOnly).await;
    let enc = |s: String| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let with_key = |k: &SecretKey| {
        BinaryCachePathInfoService::from_url(
            "h".into(),
            &format!(
                "{}?trusted-public-keys={}",
                server.url,
                enc(k.public_key().to_string())
            ),
            store(),
        )
        .expect("url")
    };
    assert!(
        with_key(&key)
            .get(&info.hash())
            .await
            .expect("trusted")
            .is_some()
    );
    let other = SecretKey::from_seed("cache-1", [5; 32]).expect("key");
    let err = with_key(&other)
        .get(&info.hash())
        .await
        .expect_err("untrusted");
    assert_eq!(err.kind(), ErrorKind::Corrupt);
    assert!(
        format!("{err:?}").contains("no signature by a trusted key"),
        "{err:?}"
    );

    // A NAR that does not match its NarHash.
    let text = std::fs::read_to_string(cache_dir.join(format!("{}.narinfo", info.hash())))
        .expect("narinfo");
    let nar_file = cache_dir.join(&*NarInfo::parse(&text).expect("parses").url);
    let mut bytes = std::fs::read(&nar_file).expect("nar");
    let at = bytes.len() - 20;
    bytes[at] ^= 1;
    std::fs::write(&nar_file, &bytes).expect("write");
    let err = with_key(&key).get(&info.hash()).await.expect_err("corrupt");
    assert_eq!(err.kind(), ErrorKind::Corrupt);
    std::fs::remove_file(&nar_file).expect("rm");
    let err = with_key(&key).get(&info.hash()).await.expect_err("missing");
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn a_server_that_is_not_a_cache_or_fails() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plain = serve(dir.path().to_owned(), Mode::ReadOnly).await;
    let cache = BinaryCachePathInfoService::from_url("p".into(), &plain.url, store()).expect("url");
    let err = cache
        .get(&StorePathHash([1; 20]))
        .await
        .expect_err("no cache info");
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(
        err.to_string()
            .contains("does not appear to be a binary cache"),
        "{err}"
    );
    // Writing to a read-only server is refused.
    let err = cache
        .put(info_in(&store(), "x", vec![]).await)
        .await
        .expect_err("read-only");
    assert_eq!(err.kind(), ErrorKind::Storage);

    let broken = serve(dir.path().to_owned(), Mode::Broken).await;
    let cache =
        BinaryCachePathInfoService::from_url("b".into(), &broken.url, store()).expect("url");
    let err = cache.has(&StorePathHash([1; 20])).await.expect_err("500");
    assert_eq!(err.kind(), ErrorKind::Unavailable);

    // Nothing listens there.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr")
    };
    let cache =
        BinaryCachePathInfoService::from_url("c".into(), &format!("http://{closed}/"), store())
            .expect("url");
    let err = cache.get(&StorePathHash([1; 20])).await.expect_err("down");
    assert_eq!(err.kind(), ErrorKind::Unavailable);
}

#[tokio::test]
async fn copy_closure_to_and_from_http() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = serve(dir.path().to_owned(), Mode::Writable).await;
    let src_store = store();
    let dep = info_in(&src_store, "dep", vec![]).await;
    let top = info_in(&src_store, "top", vec![dep.store_path.clone()]).await;
    let ours = Arc::new(MemoryPathInfoService::new("ours".into()));
    ours.put(dep.clone()).await.expect("put");
    ours.put(top.clone()).await.expect("put");
    let up =
        BinaryCachePathInfoService::from_url("up".into(), &server.url, src_store).expect("url");
    let copied = copy_closure(&*ours, &up, std::slice::from_ref(&top.store_path))
        .await
        .expect("copies");
    assert_eq!(copied, vec![dep.store_path.clone(), top.store_path.clone()]);

    let theirs = MemoryPathInfoService::new("theirs".into());
    let down_store = store();
    let down =
        BinaryCachePathInfoService::from_url("down".into(), &server.url, down_store).expect("url");
    copy_closure(&down, &theirs, std::slice::from_ref(&top.store_path))
        .await
        .expect("copies back");
    assert_eq!(theirs.get(&top.hash()).await.expect("get"), Some(top));
    assert_eq!(theirs.get(&dep.hash()).await.expect("get"), Some(dep));
}
