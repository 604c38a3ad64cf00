//! narinfo throughput: parsing and printing a few thousand varied narinfos
//! (made deterministically here, in the shape C++ Nix writes: 0 to 40
//! references, deriver, one or two signatures, sometimes a CA), plus the
//! golden narinfos the reference wrote, and fingerprint + signature checking.
//!
//! `cargo bench -p nix-compat --bench narinfo`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nix_compat::{
    narinfo::{NarInfo, nar_url},
    nixhash::{CAHash, HashAlgo, NixHash},
    signature::{SecretKey, TrustedKeys},
    store_path::{StorePath, StorePathRef},
};

/// splitmix64, so the workload is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn store_path(&mut self) -> StorePath<String> {
        const WORDS: [&str; 8] = [
            "glibc",
            "hello",
            "perl5.38.2-Moose",
            "python3.12-numpy",
            "source",
            "bash",
            "lib",
            "dev",
        ];
        let mut digest = [0u8; 20];
        for b in &mut digest {
            *b = self.next() as u8;
        }
        let name = format!(
            "{}-{}.{}",
            WORDS[self.below(8) as usize],
            self.below(30),
            self.below(10)
        );
        StorePathRef::from_name_and_digest(&name, digest)
            .expect("valid name")
            .to_owned()
    }

    fn sha256(&mut self) -> NixHash {
        NixHash::digest_of(HashAlgo::Sha256, self.next().to_le_bytes())
    }
}

/// `count` narinfos as text.
fn workload(count: usize) -> Vec<String> {
    let mut rng = Rng(42);
    let keys = [
        SecretKey::from_seed("cache.example.org-1", [1; 32]).expect("valid"),
        SecretKey::from_seed("other.example.org-2", [2; 32]).expect("valid"),
    ];
    let pool: Vec<StorePath<String>> = (0..500).map(|_| rng.store_path()).collect();
    (0..count)
        .map(|_| {
            let path = rng.store_path();
            let nar_hash = rng.sha256();
            let file_hash = rng.sha256();
            let compression = ["xz", "zstd", "none", "bzip2"][rng.below(4) as usize];
            let url = nar_url(&file_hash, compression);
            let nar_size = 1 + rng.below(100_000_000);
            let mut info = NarInfo::new(path.as_ref(), url, nar_hash.clone(), nar_size);
            info.compression = Some(compression);
            info.file_hash = Some(file_hash);
            info.file_size = Some(1 + rng.below(nar_size));
            let refs = rng.below(41) as usize;
            info.references = (0..refs)
                .map(|_| pool[rng.below(pool.len() as u64) as usize].as_ref())
                .collect();
            let deriver = rng.store_path();
            let deriver_name = format!("{}.drv", deriver.name_str());
            let deriver = StorePathRef::from_name_and_digest(&deriver_name, *deriver.digest())
                .expect("valid");
            if rng.below(10) != 0 {
                info.deriver = Some(deriver);
            }
            if rng.below(20) == 0 {
                info.ca = Some(CAHash::Nar(nar_hash));
            }
            info.canonicalize();
            for key in &keys[..1 + rng.below(2) as usize] {
                info.add_signature(key).expect("signs");
            }
            info.to_string()
        })
        .collect()
}

fn golden() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/narinfo");
    let mut out = Vec::new();
    for c in ["none", "xz", "zstd", "bzip2", "br"] {
        for entry in std::fs::read_dir(dir.join(c)).expect("golden dir") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "narinfo") {
                out.push(std::fs::read_to_string(path).expect("read"));
            }
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    for (name, texts) in [("generated", workload(3000)), ("golden", golden())] {
        let bytes: usize = texts.iter().map(String::len).sum();
        let mut group = c.benchmark_group(format!("narinfo/{name}"));
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function("parse", |b| {
            b.iter(|| {
                for t in &texts {
                    black_box(NarInfo::parse(black_box(t)).expect("parses"));
                }
            })
        });
        let parsed: Vec<NarInfo<'_>> = texts
            .iter()
            .map(|t| NarInfo::parse(t).expect("parses"))
            .collect();
        group.bench_function("render", |b| {
            let mut out = String::with_capacity(4096);
            b.iter(|| {
                for info in &parsed {
                    out.clear();
                    info.render_into(&mut out);
                    black_box(&out);
                }
            })
        });
        group.bench_function("fingerprint", |b| {
            b.iter(|| {
                for info in &parsed {
                    black_box(info.fingerprint().expect("fingerprint"));
                }
            })
        });
        group.finish();
    }

    let texts = workload(200);
    let parsed: Vec<NarInfo<'_>> = texts
        .iter()
        .map(|t| NarInfo::parse(t).expect("parses"))
        .collect();
    let keys: TrustedKeys = [
        SecretKey::from_seed("cache.example.org-1", [1; 32]).expect("valid"),
        SecretKey::from_seed("other.example.org-2", [2; 32]).expect("valid"),
    ]
    .iter()
    .map(SecretKey::public_key)
    .collect();
    let mut group = c.benchmark_group("narinfo/signatures");
    group.throughput(Throughput::Elements(parsed.len() as u64));
    group.bench_function("verify", |b| {
        b.iter(|| {
            for info in &parsed {
                black_box(info.valid_signatures(&keys).expect("well-formed"));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
