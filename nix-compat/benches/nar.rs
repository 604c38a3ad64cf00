//! NAR throughput: serialising a generated tree (a few thousand files of
//! various sizes and a few large ones, in a temporary directory) into SHA-256,
//! compared with SHA-256 over the same number of bytes in memory; dumping to
//! a sink; and parsing a NAR from memory (reading every file, and listing).
//!
//! Run with `cargo bench -p nix-compat --bench nar`. NAR hashing should run at
//! the speed of SHA-256 itself: compare `dump_path/sha256` with
//! `sha256/in_memory`.

use std::{fs, io, path::Path};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nix_compat::{
    nar,
    nixhash::{HashAlgo, Hasher},
};

/// Small files: 2000 of 0 to ~24 KiB, in 40 directories, some executable,
/// some symlinks; large: 3 files of 24 MiB.
fn generate(root: &Path) {
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    fs::create_dir(root).expect("mkdir");
    for d in 0..40 {
        let dir = root.join(format!("dir{d:02}"));
        fs::create_dir(&dir).expect("mkdir");
        for f in 0..50 {
            let size = match next() % 10 {
                0 => 0,
                1..=6 => (next() % 4096) as usize,
                _ => (next() % 24_576) as usize,
            };
            let contents: Vec<u8> = (0..size).map(|_| next() as u8).collect();
            let path = dir.join(format!("file{f:03}.dat"));
            fs::write(&path, contents).expect("write");
            if f % 7 == 0 {
                use std::os::unix::fs::PermissionsExt;
                fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("chmod");
            }
            if f % 10 == 0 {
                std::os::unix::fs::symlink(format!("file{f:03}.dat"), dir.join(format!("link{f}")))
                    .expect("symlink");
            }
        }
    }
    let big: Vec<u8> = (0..24 << 20).map(|_| next() as u8).collect();
    for i in 0..3 {
        fs::write(root.join(format!("large{i}.bin")), &big).expect("write");
    }
}

fn nar_benches(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("tree");
    generate(&root);
    let mut nar_bytes = Vec::new();
    let size = nar::fs::dump_path(&root, &mut nar_bytes).expect("dumps");

    let mut group = c.benchmark_group("nar");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(size));

    group.bench_function("dump_path/sha256", |b| {
        b.iter(|| {
            let mut hasher = Hasher::new(HashAlgo::Sha256);
            nar::fs::dump_path(&root, &mut hasher).expect("dumps");
            hasher.finalize()
        })
    });
    group.bench_function("sha256/in_memory", |b| {
        b.iter(|| {
            let mut hasher = Hasher::new(HashAlgo::Sha256);
            hasher.update(&nar_bytes);
            hasher.finalize()
        })
    });
    group.bench_function("dump_path/sink", |b| {
        b.iter(|| nar::fs::dump_path(&root, io::sink()).expect("dumps"))
    });
    group.bench_function("read/all_contents", |b| {
        b.iter(|| nar::copy(nar_bytes.as_slice(), io::sink()).expect("valid"))
    });
    group.bench_function("read/listing", |b| {
        b.iter(|| nar::listing::Listing::from_reader(nar_bytes.as_slice()).expect("valid"))
    });
    group.finish();
}

criterion_group!(benches, nar_benches);
criterion_main!(benches);
