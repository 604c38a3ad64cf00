//! Seekable NARs against fully rendered ones: for random trees (files of
//! random sizes around chunk and padding boundaries, symlinks, nested
//! directories), every slice read after a seek equals the same slice of
//! [`write_nar`]'s output; also sequential reads in odd buffer sizes, seeks
//! from the end and past the end, and a missing blob.

use std::collections::BTreeMap;

use proptest::prelude::*;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tvix_castore::{BlobOptions, Store, backend::memory::MemoryBackend};

use super::SeekableNar;
use crate::nar::{ExpectedNar, IngestOptions, RenderOptions, ingest_nar, write_nar};

/// A tree to turn into a NAR.
#[derive(Debug, Clone)]
enum Tree {
    File(Vec<u8>, bool),
    Link(String),
    Dir(BTreeMap<String, Tree>),
}

fn tree() -> impl Strategy<Value = Tree> {
    let leaf = prop_oneof![
        (prop::collection::vec(any::<u8>(), 0..3000), any::<bool>())
            .prop_map(|(d, x)| Tree::File(d, x)),
        // A file larger than the small chunk size used below: several chunks.
        (1usize..40_000, any::<u8>(), any::<bool>())
            .prop_map(|(n, b, x)| Tree::File((0..n).map(|i| (i as u8) ^ b).collect(), x)),
        "[a-z./]{1,20}".prop_map(Tree::Link),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        prop::collection::btree_map("[a-zA-Z0-9_.-]{1,12}", inner, 0..6).prop_map(|m| {
            Tree::Dir(
                m.into_iter()
                    .filter(|(k, _)| k != "." && k != "..")
                    .collect(),
            )
        })
    })
}

fn write_tree(node: nix_compat::nar::writer::Node<'_, Vec<u8>>, t: &Tree) {
    match t {
        Tree::File(d, x) => node
            .file(*x, d.len() as u64, &mut d.as_slice())
            .expect("file"),
        Tree::Link(target) => node.symlink(target.as_bytes()).expect("symlink"),
        Tree::Dir(m) => {
            let mut dir = node.directory().expect("dir");
            for (name, child) in m {
                write_tree(dir.entry(name.as_bytes()).expect("entry"), child);
            }
            dir.close().expect("close");
        }
    }
}

fn nar_of(t: &Tree) -> Vec<u8> {
    let mut w = nix_compat::nar::writer::Writer::new(Vec::new());
    write_tree(w.root().expect("root"), t);
    w.finish().expect("finish")
}

/// A store with small chunks, so blobs span several chunks.
fn store() -> Store {
    Store::from_backend("mem".into(), MemoryBackend::new("mem".into())).with_options(BlobOptions {
        avg_chunk_size: 4096,
        ..BlobOptions::default()
    })
}

/// Ingests `nar`; returns the store, the root node and the NAR rendered back.
async fn ingested(nar: &[u8]) -> (Store, tvix_castore::Node, Vec<u8>) {
    let store = store();
    let got = ingest_nar(
        &store,
        nar,
        &ExpectedNar::default(),
        IngestOptions::default(),
    )
    .await
    .expect("ingests");
    let rendered = write_nar(Vec::new(), &got.node, &store, RenderOptions::default())
        .await
        .expect("renders");
    (store, got.node, rendered)
}

async fn read_at(r: &mut SeekableNar, from: u64, len: usize) -> Vec<u8> {
    r.seek(std::io::SeekFrom::Start(from)).await.expect("seek");
    let mut out = vec![0u8; len];
    let mut got = 0;
    while got < len {
        let n = r.read(&mut out[got..]).await.expect("read");
        if n == 0 {
            break;
        }
        got += n;
    }
    out.truncate(got);
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_slice_equals_the_rendered_nar(
        t in tree(),
        slices in prop::collection::vec((any::<prop::sample::Index>(), 0usize..9000), 1..12),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        rt.block_on(async {
            let nar = nar_of(&t);
            let (store, node, rendered) = ingested(&nar).await;
            prop_assert_eq!(&rendered, &nar);
            let mut r = SeekableNar::open(&node, store).await.expect("opens");
            prop_assert_eq!(r.nar_size(), nar.len() as u64);
            // Random slices, in random order (backwards seeks included).
            for (at, len) in &slices {
                let from = at.index(nar.len() + 1);
                let want = &nar[from..(from + len).min(nar.len())];
                let got = read_at(&mut r, from as u64, *len).await;
                prop_assert_eq!(got.as_slice(), want, "slice at {} of {}", from, len);
            }
            // The whole NAR from 0, in small reads.
            let mut whole = Vec::new();
            r.seek(std::io::SeekFrom::Start(0)).await.expect("seek");
            let mut buf = [0u8; 777];
            loop {
                let n = r.read(&mut buf).await.expect("read");
                if n == 0 {
                    break;
                }
                whole.extend_from_slice(&buf[..n]);
            }
            prop_assert!(whole == nar, "sequential read differs");
            Ok(())
        })?;
    }
}

#[tokio::test]
async fn seeks_from_the_end_past_the_end_and_relative() {
    let t = Tree::Dir(BTreeMap::from([
        ("a".to_owned(), Tree::File(vec![7; 10_000], true)),
        ("b".to_owned(), Tree::Link("a".into())),
        ("c".to_owned(), Tree::File(vec![], false)),
    ]));
    let nar = nar_of(&t);
    let (store, node, _) = ingested(&nar).await;
    let mut r = SeekableNar::open(&node, store).await.expect("opens");
    let n = nar.len() as u64;
    assert_eq!(
        r.seek(std::io::SeekFrom::End(-100)).await.expect("seek"),
        n - 100
    );
    let mut tail = Vec::new();
    r.read_to_end(&mut tail).await.expect("read");
    assert_eq!(tail, &nar[nar.len() - 100..]);
    assert_eq!(
        r.seek(std::io::SeekFrom::Current(-5000))
            .await
            .expect("seek"),
        n - 5000
    );
    let mut five = [0u8; 5];
    r.read_exact(&mut five).await.expect("read");
    assert_eq!(five, nar[nar.len() - 5000..nar.len() - 4995]);
    // Past the end reads nothing; before the start is an error.
    r.seek(std::io::SeekFrom::Start(n + 10))
        .await
        .expect("seek");
    assert_eq!(r.read(&mut five).await.expect("read"), 0);
    assert!(
        r.seek(std::io::SeekFrom::End(-(n as i64) - 1))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_missing_blob_is_an_error_only_where_it_is_read() {
    let t = Tree::Dir(BTreeMap::from([
        ("a".to_owned(), Tree::File(b"hello".to_vec(), false)),
        ("z".to_owned(), Tree::File(b"world".to_vec(), false)),
    ]));
    let nar = nar_of(&t);
    let (store, node, _) = ingested(&nar).await;
    // The same directories in a store without the blobs.
    let empty = self::store();
    let Some(tvix_castore::Node::Directory { digest, .. }) = Some(node.clone()) else {
        panic!("a directory")
    };
    let closure = store
        .directories()
        .get_closure(&digest)
        .await
        .expect("closure");
    let mut b = tvix_castore::ClosureBuilder::new();
    for d in closure.into_iter().rev() {
        b.add(d).expect("add");
    }
    empty
        .directories()
        .put_closure(b.build().expect("closure"))
        .await
        .expect("put");
    let mut r = SeekableNar::open(&node, empty).await.expect("opens");
    // The framing before the first file is readable.
    assert_eq!(read_at(&mut r, 0, 64).await, &nar[..64]);
    let at = nar
        .windows(5)
        .position(|w| w == b"hello")
        .expect("contents") as u64;
    r.seek(std::io::SeekFrom::Start(at)).await.expect("seek");
    let mut buf = [0u8; 5];
    let err = r.read(&mut buf).await.expect_err("missing blob");
    assert!(err.to_string().contains("missing"), "{err}");
}
