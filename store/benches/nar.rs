//! Throughput of NAR ingestion into castore and of NAR size/SHA-256
//! calculation from castore, from a memory store and through castore's gRPC
//! server on a Unix socket, with and without blob prefetching; and the time
//! to read the last 64 KiB of the NAR with the seekable reader (layout plus
//! one range), against rendering the whole NAR.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tvix_castore::{
    Store,
    backend::{
        grpc::{GrpcBackend, server},
        memory::MemoryBackend,
    },
};
use tvix_store::nar::{
    ExpectedNar, IngestOptions, RenderOptions, SeekableNar, calculate_nar, ingest_nar,
};

/// A NAR of 2,000 small files (1–16 KiB) in 40 directories and two 4 MiB files.
fn make_nar() -> Vec<u8> {
    use nix_compat::nar::writer::Writer;
    let mut w = Writer::new(Vec::new());
    let mut root = w.root().expect("root").directory().expect("dir");
    let big: Vec<u8> = (0..4u32 << 20)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    for (name, seed) in [("big-a", 1u8), ("big-b", 2)] {
        let data: Vec<u8> = big.iter().map(|b| b ^ seed).collect();
        root.entry(name.as_bytes())
            .expect("entry")
            .file(false, data.len() as u64, &mut data.as_slice())
            .expect("file");
    }
    for d in 0..40u32 {
        let mut dir = root
            .entry(format!("d{d:02}").as_bytes())
            .expect("entry")
            .directory()
            .expect("dir");
        for f in 0..50u32 {
            let len = 1024 * (1 + ((d * 50 + f) % 16)) as usize;
            let data: Vec<u8> = (0..len).map(|i| (i as u32 ^ (d * 977 + f)) as u8).collect();
            dir.entry(format!("f{f:02}").as_bytes())
                .expect("entry")
                .file(false, len as u64, &mut data.as_slice())
                .expect("file");
        }
        dir.close().expect("close");
    }
    root.close().expect("close");
    w.finish().expect("finish")
}

fn memory_store() -> Store {
    Store::from_backend("mem".into(), MemoryBackend::new("mem".into()))
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let nar = make_nar();
    let mut g = c.benchmark_group("nar");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(nar.len() as u64));

    g.bench_function("ingest/memory", |b| {
        b.iter(|| {
            rt.block_on(ingest_nar(
                &memory_store(),
                nar.as_slice(),
                &ExpectedNar::default(),
                IngestOptions::default(),
            ))
            .expect("ingests")
        })
    });

    let store = memory_store();
    let node = rt
        .block_on(ingest_nar(
            &store,
            nar.as_slice(),
            &ExpectedNar::default(),
            IngestOptions::default(),
        ))
        .expect("ingests")
        .node;
    let dir = tempfile::tempdir().expect("tempdir");
    let sock = dir.path().join("castore.sock");
    let addr = server::ListenAddr::Unix(sock.clone());
    let served = store.clone();
    rt.spawn(async move { server::serve(served, &addr, std::future::pending()).await });
    rt.block_on(async {
        while !sock.exists() {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    });
    let url = url::Url::parse(&format!("grpc+unix://{}", sock.display())).expect("url");
    let grpc = rt.block_on(async {
        Store::from_backend(
            "grpc".into(),
            GrpcBackend::connect_lazy("grpc".into(), &url).expect("client"),
        )
    });

    for (kind, s) in [("memory", &store), ("grpc", &grpc)] {
        for prefetch in [1usize, 16] {
            let opts = RenderOptions {
                prefetch,
                ..RenderOptions::default()
            };
            g.bench_with_input(
                BenchmarkId::new(format!("calculate/{kind}"), format!("prefetch-{prefetch}")),
                &opts,
                |b, opts| {
                    b.iter(|| {
                        rt.block_on(calculate_nar(&node, s, *opts))
                            .expect("calculates")
                    })
                },
            );
        }
    }
    g.finish();

    let mut g = c.benchmark_group("nar-range");
    g.sample_size(10);
    for (kind, s) in [("memory", &store), ("grpc", &grpc)] {
        g.bench_function(format!("last-64KiB/{kind}"), |b| {
            b.iter(|| {
                rt.block_on(async {
                    let mut r = SeekableNar::open(&node, s.clone()).await.expect("opens");
                    r.seek(std::io::SeekFrom::End(-65536)).await.expect("seek");
                    let mut buf = Vec::with_capacity(65536);
                    r.read_to_end(&mut buf).await.expect("reads");
                    buf.len()
                })
            })
        });
        g.bench_function(format!("whole-render/{kind}"), |b| {
            b.iter(|| {
                rt.block_on(calculate_nar(&node, s, RenderOptions::default()))
                    .expect("calculates")
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
