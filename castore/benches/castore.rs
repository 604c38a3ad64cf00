//! Throughput of castore's hot paths: importing a tree of files of many sizes
//! (memory and local stores), and reading a multi-chunk blob back, directly
//! and through the gRPC server over a Unix socket.

use std::{path::Path, sync::Arc};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use tokio::io::AsyncReadExt;
use tvix_castore::{
    B3Digest, Store,
    backend::{
        grpc::{GrpcBackend, server},
        local::LocalBackend,
        memory::MemoryBackend,
    },
    import::{ImportOptions, import_path},
};

fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// 200 files from 0 B to 4 MiB in 20 directories; returns the total size.
fn make_tree(root: &Path) -> u64 {
    let mut total = 0u64;
    for i in 0..200u64 {
        let d = root.join(format!("d{}", i % 20));
        std::fs::create_dir_all(&d).expect("mkdir");
        let len = match i % 10 {
            0 => 4 << 20,
            1 | 2 => 256 << 10,
            3..=5 => 16 << 10,
            _ => (i * 37) % 4096,
        };
        std::fs::write(d.join(format!("f{i}")), noise(len as usize, i)).expect("write");
        total += len;
    }
    total
}

fn memory() -> Store {
    Store::from_backend("mem".into(), MemoryBackend::new("mem".into()))
}

fn import(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let src = tempfile::tempdir().expect("tempdir");
    let total = make_tree(src.path());
    let mut g = c.benchmark_group("import");
    g.throughput(Throughput::Bytes(total));
    g.sample_size(10);
    g.bench_function("memory", |b| {
        b.to_async(&rt).iter(|| async {
            let s = memory();
            import_path(&s, src.path(), ImportOptions::default())
                .await
                .expect("import")
        })
    });
    g.bench_function("local", |b| {
        b.to_async(&rt).iter(|| async {
            let dir = tempfile::tempdir().expect("tempdir");
            let s = Store::from_backend(
                "local".into(),
                LocalBackend::open("local".into(), dir.path()).expect("open"),
            );
            import_path(&s, src.path(), ImportOptions::default())
                .await
                .expect("import")
        })
    });
    g.finish();
}

async fn read_all(s: &Store, d: &B3Digest) -> usize {
    let mut r = s.open_read(d).await.expect("open").expect("exists");
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0;
    loop {
        let k = r.read(&mut buf).await.expect("read");
        if k == 0 {
            return n;
        }
        n += k;
    }
}

fn read(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let data = noise(32 << 20, 7);
    let mem = memory();
    let digest = rt.block_on(mem.put_blob(&data)).expect("put");

    // A gRPC server over the memory store, on a Unix socket.
    let dir = tempfile::tempdir().expect("tempdir");
    let sock = dir.path().join("bench.sock");
    let addr = server::ListenAddr::Unix(sock.clone());
    let served = mem.clone();
    rt.spawn(async move {
        server::serve(served, &addr, std::future::pending())
            .await
            .expect("serve")
    });
    while !sock.exists() {
        std::thread::yield_now();
    }
    let url = url::Url::parse(&format!("grpc+unix://{}", sock.display())).expect("url");
    let grpc = rt.block_on(async {
        Store::from_backend(
            "grpc".into(),
            GrpcBackend::connect_lazy(Arc::from("grpc"), &url).expect("client"),
        )
    });

    let mut g = c.benchmark_group("read_blob");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.sample_size(10);
    for prefetch in [1usize, 4, 16] {
        let opts = |s: &Store| {
            s.clone().with_options(tvix_castore::BlobOptions {
                prefetch,
                ..Default::default()
            })
        };
        let (m, r) = (opts(&mem), opts(&grpc));
        g.bench_with_input(BenchmarkId::new("memory", prefetch), &m, |b, s| {
            b.to_async(&rt).iter(|| read_all(s, &digest))
        });
        g.bench_with_input(BenchmarkId::new("grpc_unix", prefetch), &r, |b, s| {
            b.to_async(&rt).iter(|| read_all(s, &digest))
        });
    }
    g.finish();
}

criterion_group!(benches, import, read);
criterion_main!(benches);
