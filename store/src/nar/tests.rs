//! NAR ingestion and rendering: round trips of the reference NARs (produced
//! by C++ Nix, see `nix-compat/src/nar/tests/golden/regenerate.sh`), hash and
//! content-address checks, malformed input.

use nix_compat::nixhash::{CAHash, HashAlgo, NixHash};
use rstest::rstest;
use sha2::{Digest, Sha256};
use tvix_castore::{BlobOptions, Node, Store, backend::memory::MemoryBackend};

use super::*;

fn store() -> Store {
    Store::from_backend("mem".into(), MemoryBackend::new("mem".into()))
}

macro_rules! golden {
    ($name:literal) => {
        include_bytes!(concat!("../../../nix-compat/src/nar/tests/golden/", $name))
    };
}

/// Ingests `nar` with its true size and hash expected, renders it back.
async fn round_trip(store: &Store, nar: &[u8]) {
    let sha: [u8; 32] = Sha256::digest(nar).into();
    let expected = ExpectedNar {
        nar_size: Some(nar.len() as u64),
        nar_sha256: Some(sha),
        ca: Some(CAHash::Nar(NixHash::Sha256(sha))),
    };
    let got = ingest_nar(store, nar, &expected, IngestOptions::default())
        .await
        .expect("ingests");
    assert_eq!(got.nar_size, nar.len() as u64);
    assert_eq!(got.nar_sha256, sha);
    let out = write_nar(Vec::new(), &got.node, store, RenderOptions::default())
        .await
        .expect("renders");
    assert!(out == nar, "rendered NAR differs");
    let summary = calculate_nar(&got.node, store, RenderOptions::default())
        .await
        .expect("calculates");
    assert_eq!(summary.nar_size, nar.len() as u64);
    assert_eq!(summary.nar_sha256, sha);
}

#[rstest]
#[case::helloworld(golden!("helloworld.nar"))]
#[case::symlink(golden!("symlink.nar"))]
#[case::complicated(golden!("complicated.nar"))]
#[case::empty_dir(golden!("empty-dir.nar"))]
#[case::empty_file(golden!("empty-file.nar"))]
#[case::executable(golden!("executable.nar"))]
#[case::listing(golden!("listing.nar"))]
#[case::sorted(golden!("sorted.nar"))]
#[tokio::test]
async fn golden_round_trip(#[case] nar: &[u8]) {
    round_trip(&store(), nar).await;
}

/// A NAR of a tree with large and small files, written by nix-compat's writer.
fn big_tree_nar() -> Vec<u8> {
    use nix_compat::nar::writer::Writer;
    let mut w = Writer::new(Vec::new());
    let mut dir = w.root().expect("root").directory().expect("dir");
    for i in 0..40u32 {
        let name = format!("f{i:02}");
        // Every fifth file is larger than the small-file threshold used below.
        let len = if i % 5 == 0 { 70_000 } else { 10 * i as usize };
        let data: Vec<u8> = (0..len).map(|j| (j as u32 * 31 + i) as u8).collect();
        dir.entry(name.as_bytes())
            .expect("entry")
            .file(i % 3 == 0, len as u64, &mut data.as_slice())
            .expect("file");
    }
    dir.close().expect("close");
    w.finish().expect("finish")
}

#[tokio::test]
async fn many_files_small_budget_and_prefetch() {
    let store = store().with_options(BlobOptions {
        prefetch: 2,
        avg_chunk_size: 4096,
        upload_concurrency: 2,
    });
    let nar = big_tree_nar();
    let opts = IngestOptions {
        small_file: 1000,
        buffer_budget: 2000,
    };
    let got = ingest_nar(&store, nar.as_slice(), &ExpectedNar::default(), opts)
        .await
        .expect("ingests");
    for prefetch in [1, 3, 64] {
        let out = write_nar(
            Vec::new(),
            &got.node,
            &store,
            RenderOptions {
                prefetch,
                small_blob: 5000,
            },
        )
        .await
        .expect("renders");
        assert!(out == nar, "differs with prefetch {prefetch}");
    }
}

#[tokio::test]
async fn wrong_hash_size_and_ca_are_rejected() {
    let nar = golden!("helloworld.nar");
    let st = store();
    let ingest = |e: ExpectedNar| {
        let st = st.clone();
        async move { ingest_nar(&st, &nar[..], &e, IngestOptions::default()).await }
    };
    let err = ingest(ExpectedNar {
        nar_size: Some(1),
        ..Default::default()
    })
    .await
    .expect_err("size");
    assert!(
        matches!(err, IngestError::SizeMismatch { expected: 1, .. }),
        "{err}"
    );
    let err = ingest(ExpectedNar {
        nar_sha256: Some([0; 32]),
        ..Default::default()
    })
    .await
    .expect_err("hash");
    assert!(matches!(err, IngestError::HashMismatch { .. }), "{err}");
    // fixed:r:sha1 is checked against the NAR's SHA-1.
    let sha1 = NixHash::digest_of(HashAlgo::Sha1, nar);
    ingest(ExpectedNar {
        ca: Some(CAHash::Nar(sha1)),
        ..Default::default()
    })
    .await
    .expect("right sha1");
    let err = ingest(ExpectedNar {
        ca: Some(CAHash::Nar(NixHash::digest_of(HashAlgo::Sha1, b"other"))),
        ..Default::default()
    })
    .await
    .expect_err("wrong sha1");
    assert!(matches!(err, IngestError::HashMismatch { .. }), "{err}");
    // fixed: (flat) hashes the file contents.
    let flat = NixHash::digest_of(HashAlgo::Sha256, b"Hello World!");
    let got = ingest(ExpectedNar {
        ca: Some(CAHash::Flat(flat)),
        ..Default::default()
    })
    .await
    .expect("right flat hash");
    assert!(matches!(got.node, Node::File { size: 12, .. }));
    let err = ingest(ExpectedNar {
        ca: Some(CAHash::Text([0; 32])),
        ..Default::default()
    })
    .await
    .expect_err("wrong text hash");
    assert!(matches!(err, IngestError::HashMismatch { .. }), "{err}");
}

#[tokio::test]
async fn flat_ca_on_a_directory_is_rejected() {
    let nar = golden!("complicated.nar");
    let ca = CAHash::Flat(NixHash::digest_of(HashAlgo::Sha256, b""));
    let err = ingest_nar(
        &store(),
        &nar[..],
        &ExpectedNar {
            ca: Some(ca),
            ..Default::default()
        },
        IngestOptions::default(),
    )
    .await
    .expect_err("not a file");
    assert!(matches!(err, IngestError::CaNeedsFile(_)), "{err}");
}

#[tokio::test]
async fn malformed_truncated_and_trailing_input() {
    let nar = golden!("complicated.nar");
    let st = store();
    let err = ingest_nar(
        &st,
        &nar[..nar.len() - 8],
        &ExpectedNar::default(),
        IngestOptions::default(),
    )
    .await
    .expect_err("truncated");
    assert!(matches!(err, IngestError::Nar(_)), "{err}");
    let err = ingest_nar(
        &st,
        &b"not a nar at all"[..],
        &ExpectedNar::default(),
        IngestOptions::default(),
    )
    .await
    .expect_err("garbage");
    assert!(err.to_string().contains("NAR"), "{err}");
    let mut trailing = nar.to_vec();
    trailing.extend_from_slice(b"extra");
    let err = ingest_nar(
        &st,
        trailing.as_slice(),
        &ExpectedNar::default(),
        IngestOptions::default(),
    )
    .await
    .expect_err("trailing");
    assert!(
        matches!(err, IngestError::TrailingData(n) if n == nar.len() as u64),
        "{err}"
    );
}

#[tokio::test]
async fn rendering_missing_or_wrong_sized_blobs_fails() {
    let st = store();
    let missing = Node::File {
        digest: tvix_castore::B3Digest::of(b"absent"),
        size: 6,
        executable: false,
    };
    let err = calculate_nar(&missing, &st, RenderOptions::default())
        .await
        .expect_err("missing");
    assert!(matches!(err, RenderError::BlobMissing(_)), "{err}");
    let digest = st.put_blob(b"four").await.expect("put");
    let wrong = Node::File {
        digest,
        size: 5,
        executable: false,
    };
    let err = calculate_nar(&wrong, &st, RenderOptions::default())
        .await
        .expect_err("wrong size");
    assert!(
        matches!(
            err,
            RenderError::SizeMismatch {
                expected: 5,
                actual: 4,
                ..
            }
        ),
        "{err}"
    );
    let dir = Node::Directory {
        digest: tvix_castore::B3Digest::of(b"no such directory"),
        size: 1,
    };
    let err = calculate_nar(&dir, &st, RenderOptions::default())
        .await
        .expect_err("missing directory");
    assert!(matches!(err, RenderError::Directories(_)), "{err}");
}
