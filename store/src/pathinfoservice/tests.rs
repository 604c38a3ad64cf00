//! The conformance suite every PathInfo backend and combinator runs, and
//! fixtures shared with other tests.

use std::{num::NonZeroUsize, sync::Arc};

use futures::TryStreamExt;
use nix_compat::{
    nixhash::{CAHash, NixHash},
    signature::SecretKey,
    store_path::StorePath,
};
use rstest::rstest;
use tvix_castore::{B3Digest, Node};

use super::{
    PathInfoService, cache::CachePathInfoService, lru::LruPathInfoService,
    memory::MemoryPathInfoService, redb::RedbPathInfoService,
};
use crate::{PathInfo, StorePathHash};

/// A PathInfo named `name`, varied by `seed`, with a reference, a deriver, a
/// signature and a content address.
pub(crate) fn fixture_info(name: &str, seed: u8) -> PathInfo {
    let store_path: StorePath<String> =
        StorePath::from_name_and_digest(name, [seed; 20]).expect("valid name");
    let reference: StorePath<String> =
        StorePath::from_name_and_digest("dep", [seed.wrapping_add(100); 20]).expect("valid");
    let deriver: StorePath<String> =
        StorePath::from_name_and_digest(&format!("{name}.drv"), [seed.wrapping_add(50); 20])
            .expect("valid");
    let mut info = PathInfo {
        store_path,
        node: Node::File {
            digest: B3Digest::of(&[seed]),
            size: 1,
            executable: seed % 2 == 0,
        },
        references: vec![reference],
        nar_size: 120 + u64::from(seed),
        nar_sha256: [seed; 32],
        deriver: Some(deriver),
        signatures: vec![],
        ca: Some(CAHash::Flat(NixHash::Sha256([seed; 32]))),
    };
    let key = SecretKey::from_seed("test-1", [7; 32]).expect("valid key name");
    info.sign(&key);
    info
}

async fn not_found(svc: Arc<dyn PathInfoService>) {
    let missing = StorePathHash([0xab; 20]);
    assert_eq!(svc.get(&missing).await.expect("get"), None);
}

async fn put_get_list(svc: Arc<dyn PathInfoService>) {
    let a = fixture_info("a", 1);
    let b = fixture_info("b", 2);
    // A backend may add signatures: what put returns is what is stored.
    let a = svc.put(a).await.expect("put a");
    let b = svc.put(b).await.expect("put b");
    assert_eq!(svc.get(&a.hash()).await.expect("get a"), Some(a.clone()));
    assert_eq!(svc.get(&b.hash()).await.expect("get b"), Some(b.clone()));
    let mut all: Vec<PathInfo> = svc.list().try_collect().await.expect("list");
    all.sort_by(|x, y| x.store_path.cmp(&y.store_path));
    let mut want = vec![a, b];
    want.sort_by(|x, y| x.store_path.cmp(&y.store_path));
    assert_eq!(all, want);
}

async fn put_replaces(svc: Arc<dyn PathInfoService>) {
    let a = fixture_info("a", 1);
    svc.put(a.clone()).await.expect("put");
    let mut a2 = a.clone();
    a2.nar_size += 1;
    a2.signatures.clear();
    let a2 = svc.put(a2).await.expect("put again");
    assert_eq!(svc.get(&a.hash()).await.expect("get"), Some(a2));
}

async fn symlink_and_directory_nodes(svc: Arc<dyn PathInfoService>) {
    let mut s = fixture_info("link", 3);
    s.node = Node::Symlink {
        target: tvix_castore::SymlinkTarget::new(&b"/nix/store/x"[..]).expect("valid"),
    };
    s.ca = None;
    s.deriver = None;
    let mut d = fixture_info("dir", 4);
    d.node = Node::Directory {
        digest: B3Digest::of(b"dir"),
        size: 42,
    };
    d.references.clear();
    for info in [s, d] {
        let stored = svc.put(info.clone()).await.expect("put");
        assert_eq!(stored.node, info.node);
        assert_eq!(svc.get(&info.hash()).await.expect("get"), Some(stored));
    }
}

/// `grpc::serve` (what `tvix-store daemon` runs) over memory services on a
/// Unix socket in `dir`; returns the socket.
#[cfg(feature = "grpc")]
async fn serve_over_unix_socket(dir: &std::path::Path) -> std::path::PathBuf {
    use tvix_castore::backend::grpc::server::ListenAddr;
    let sock = dir.join("daemon.sock");
    let store = tvix_castore::Store::from_backend(
        "castore".into(),
        tvix_castore::backend::memory::MemoryBackend::new("castore".into()),
    );
    let services = crate::composition::Services {
        store,
        pathinfo: Arc::new(MemoryPathInfoService::new("far".into())),
    };
    let addr = ListenAddr::Unix(sock.clone());
    tokio::spawn(async move {
        super::grpc::serve(services, &addr, std::future::pending())
            .await
            .expect("serves")
    });
    // The socket appears once the task has bound it.
    while !sock.exists() {
        tokio::task::yield_now().await;
    }
    sock
}

/// A client of the PathInfo service served by [`serve_over_unix_socket`].
#[cfg(feature = "grpc")]
async fn grpc_over_unix_socket(dir: &std::path::Path) -> Arc<dyn PathInfoService> {
    let sock = serve_over_unix_socket(dir).await;
    let url = url::Url::parse(&format!("grpc+unix://{}", sock.display())).expect("url");
    Arc::new(super::grpc::GrpcPathInfoService::connect_lazy("grpc".into(), &url).expect("client"))
}

/// The daemon's server gives castore's services and the PathInfo service on
/// one socket: a blob written through castore's client is what the PathInfo
/// server renders for `CalculateNAR`.
#[cfg(feature = "grpc")]
#[tokio::test]
async fn serve_gives_castore_and_pathinfo_on_one_socket() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sock = serve_over_unix_socket(dir.path()).await;
    let url = url::Url::parse(&format!("grpc+unix://{}", sock.display())).expect("url");
    let castore = tvix_castore::Store::from_backend(
        "c".into(),
        tvix_castore::backend::grpc::GrpcBackend::connect_lazy("c".into(), &url).expect("client"),
    );
    let mut w = castore.open_write();
    w.write(b"hello\n").await.expect("write");
    let digest = w.close().await.expect("close");
    let node = tvix_castore::Node::File {
        digest,
        size: 6,
        executable: false,
    };
    let pathinfo =
        super::grpc::GrpcPathInfoService::connect_lazy("p".into(), &url).expect("client");
    let summary = pathinfo.calculate_nar(&node).await.expect("calculates");
    let mut nar = Vec::new();
    nix_compat::nar::writer::open(&mut nar)
        .expect("open")
        .file(false, 6, &mut &b"hello\n"[..])
        .expect("file");
    assert_eq!(summary.nar_size, nar.len() as u64);
    let mut info = fixture_info("served", 1);
    info.node = node;
    pathinfo.put(info.clone()).await.expect("put");
    assert_eq!(pathinfo.get(&info.hash()).await.expect("get"), Some(info));

    // The health service reports the added service as serving.
    use tonic_health::pb::{
        HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
    };
    let mut health = HealthClient::new(super::grpc::channel(&url).expect("channel"));
    for service in [
        "tvix.store.v1.PathInfoService",
        "tvix.castore.v1.BlobService",
    ] {
        let status = health
            .check(HealthCheckRequest {
                service: service.into(),
            })
            .await
            .expect("health check")
            .into_inner()
            .status;
        assert_eq!(status, ServingStatus::Serving as i32, "{service}");
    }
}

/// Builds every backend under test; `dir` holds files and sockets.
async fn backend(kind: &str, dir: &std::path::Path) -> Arc<dyn PathInfoService> {
    let mem = || -> Arc<dyn PathInfoService> { Arc::new(MemoryPathInfoService::new("m".into())) };
    match kind {
        "memory" => mem(),
        "redb-memory" => Arc::new(RedbPathInfoService::in_memory("r".into()).expect("redb")),
        "redb-file" => Arc::new(
            RedbPathInfoService::open("r".into(), &dir.join("sub/pathinfo.redb")).expect("redb"),
        ),
        "lru" => Arc::new(LruPathInfoService::new(
            "lru".into(),
            NonZeroUsize::new(100).expect("> 0"),
        )),
        "cache" => Arc::new(CachePathInfoService::new("cache".into(), mem(), mem())),
        "cache-lru-redb" => Arc::new(CachePathInfoService::new(
            "cache".into(),
            Arc::new(LruPathInfoService::new(
                "lru".into(),
                NonZeroUsize::new(1).expect("> 0"),
            )),
            Arc::new(RedbPathInfoService::in_memory("r".into()).expect("redb")),
        )),
        "signing" => Arc::new(super::signing::SigningPathInfoService::new(
            "signing".into(),
            mem(),
            SecretKey::from_seed("test-1", [7; 32]).expect("key"),
        )),
        #[cfg(feature = "grpc")]
        "grpc" => grpc_over_unix_socket(dir).await,
        #[cfg(feature = "sqlite")]
        "sqlite-memory" => {
            Arc::new(super::sqlite::SqlitePathInfoService::in_memory("s".into()).expect("sqlite"))
        }
        #[cfg(feature = "sqlite")]
        "sqlite-file" => Arc::new(
            super::sqlite::SqlitePathInfoService::open(
                "s".into(),
                &dir.join("sub/pathinfo.sqlite"),
            )
            .expect("sqlite"),
        ),
        other => panic!("unknown backend {other}"),
    }
}

#[rstest]
#[tokio::test]
async fn conformance(
    #[values(
        "memory",
        "redb-memory",
        "redb-file",
        "lru",
        "cache",
        "cache-lru-redb",
        "signing",
        "grpc",
        "sqlite-memory",
        "sqlite-file"
    )]
    kind: &str,
    #[values(
        "not_found",
        "put_get_list",
        "put_replaces",
        "symlink_and_directory_nodes"
    )]
    case: &str,
) {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = backend(kind, dir.path()).await;
    match case {
        "not_found" => not_found(svc).await,
        "put_get_list" => put_get_list(svc).await,
        "put_replaces" => put_replaces(svc).await,
        "symlink_and_directory_nodes" => symlink_and_directory_nodes(svc).await,
        other => panic!("unknown case {other}"),
    }
}

#[tokio::test]
async fn cache_fills_near_from_far() {
    let near = Arc::new(MemoryPathInfoService::new("near".into()));
    let far = Arc::new(MemoryPathInfoService::new("far".into()));
    let cache = CachePathInfoService::new("cache".into(), near.clone(), far.clone());
    let a = fixture_info("a", 1);
    far.put(a.clone()).await.expect("put far");
    assert_eq!(near.get(&a.hash()).await.expect("near"), None);
    assert_eq!(cache.get(&a.hash()).await.expect("cache"), Some(a.clone()));
    assert_eq!(near.get(&a.hash()).await.expect("near"), Some(a));
}

#[tokio::test]
async fn redb_reports_corrupt_values_naming_the_instance() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("p.redb");
    let a = fixture_info("a", 1);
    {
        let db = redb::Database::create(&path).expect("create");
        let txn = db.begin_write().expect("txn");
        {
            let mut t = txn
                .open_table(redb::TableDefinition::<&[u8; 20], &[u8]>::new("pathinfo"))
                .expect("table");
            t.insert(&a.hash().0, &b"\xff\xff not protobuf"[..])
                .expect("insert");
        }
        txn.commit().expect("commit");
    }
    let svc = RedbPathInfoService::open("mine".into(), &path).expect("open");
    let err = svc.get(&a.hash()).await.expect_err("corrupt");
    assert_eq!(err.kind(), tvix_castore::ErrorKind::Corrupt);
    assert_eq!(err.instance(), "mine");
}

#[cfg(feature = "grpc")]
#[tokio::test]
async fn grpc_unreachable_server_is_unavailable() {
    let url = url::Url::parse("grpc+unix:///nonexistent/socket").expect("url");
    let svc = super::grpc::GrpcPathInfoService::connect_lazy("remote".into(), &url).expect("lazy");
    let err = svc
        .get(&StorePathHash([1; 20]))
        .await
        .expect_err("no server");
    assert_eq!(err.kind(), tvix_castore::ErrorKind::Unavailable);
    assert_eq!(err.instance(), "remote");
}

#[tokio::test]
async fn signing_adds_a_signature_by_its_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = SecretKey::from_seed("other-1", [9; 32]).expect("key");
    let key_file = dir.path().join("sk");
    std::fs::write(&key_file, format!("{}\n", key.to_key_file_string())).expect("write");
    let key = super::signing::read_key_file(&key_file).expect("reads");
    let inner = Arc::new(MemoryPathInfoService::new("inner".into()));
    let svc = super::signing::SigningPathInfoService::new("s".into(), inner.clone(), key.clone());
    let mut a = fixture_info("a", 1);
    a.signatures.clear();
    let stored = svc.put(a.clone()).await.expect("put");
    assert_eq!(stored.signatures.len(), 1);
    assert_eq!(stored.signatures[0].name(), "other-1");
    let mut trusted = nix_compat::signature::TrustedKeys::new();
    trusted.insert(key.public_key());
    let got = inner.get(&a.hash()).await.expect("get").expect("stored");
    assert_eq!(got.check_signatures(&trusted), 1);
    assert!(super::signing::read_key_file(&dir.path().join("missing")).is_err());
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn sqlite_persists_validates_rows_and_checks_the_schema_version() {
    use super::sqlite::{OpenError, SqlitePathInfoService};
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("p.sqlite");
    let a = fixture_info("a", 1);
    let b = fixture_info("b", 2);
    {
        let svc = SqlitePathInfoService::open("mine".into(), &path).expect("open");
        svc.put(a.clone()).await.expect("put");
        svc.put(b.clone()).await.expect("put");
    }
    // Reopened: still there, in typed columns the sqlite3 shell can read.
    let svc = SqlitePathInfoService::open("mine".into(), &path).expect("reopen");
    assert_eq!(svc.get(&a.hash()).await.expect("get"), Some(a.clone()));
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        let (p, size): (String, i64) = conn
            .query_row(
                "SELECT path, nar_size FROM pathinfo WHERE digest = ?1",
                [a.hash().0.as_slice()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("row");
        assert_eq!(p, a.store_path.to_string());
        assert_eq!(size as u64, a.nar_size);
        // A row that is no PathInfo.
        conn.execute(
            "UPDATE pathinfo SET refs = 'not-a-store-path' WHERE digest = ?1",
            [b.hash().0.as_slice()],
        )
        .expect("update");
    }
    let err = svc.get(&b.hash()).await.expect_err("corrupt");
    assert_eq!(err.kind(), tvix_castore::ErrorKind::Corrupt);
    assert_eq!(err.instance(), "mine");
    assert!(format!("{err:?}").contains("not-a-store-path"), "{err:?}");
    drop(svc);

    // Another schema version is refused.
    rusqlite::Connection::open(&path)
        .expect("open")
        .pragma_update(None, "user_version", 7)
        .expect("pragma");
    let err = SqlitePathInfoService::open("mine".into(), &path).expect_err("version");
    assert!(matches!(err, OpenError::Version { found: 7, .. }), "{err}");
}
