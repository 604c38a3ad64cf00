//! Derivations: parsing and writing ATerm (the golden `.drv` files the
//! reference wrote, and a generated one with a stdenv-sized environment), and
//! the evaluator's workload of computing paths for 5,000 derivations in a
//! dependency graph: for each, `fill_output_paths` (masked hash modulo, output
//! paths), then `drv_path` and `hash_derivation_modulo`, with the inputs'
//! hashes memoised in a map, as `builtins.derivation` needs.
//!
//! Run with `cargo bench -p nix-compat --bench derivation`.

use std::{
    collections::{BTreeSet, HashMap},
    hint::black_box,
    path::Path,
};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use nix_compat::{
    derivation::{Derivation, Output},
    nixhash::{CAHash, HashAlgo, NixHash},
    store_path::{StorePath, StorePathRef},
};

/// xorshift64, so the workload is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// The golden `.drv` file of an attribute of `derivations.nix`.
fn golden(attr: &str) -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/derivation/tests/golden");
    let index = std::fs::read_to_string(dir.join("attributes.txt")).expect("golden index");
    let path = index
        .lines()
        .find_map(|l| l.strip_prefix(attr)?.strip_prefix(' '))
        .expect("golden attribute");
    let base = path.strip_prefix("/nix/store/").expect("store path");
    std::fs::read(dir.join(base)).expect("golden file")
}

fn store_path(name: &str, rng: &mut Rng) -> StorePath<String> {
    let mut digest = [0u8; 20];
    for b in &mut digest {
        *b = rng.next() as u8;
    }
    StorePathRef::from_name_and_digest(name, digest)
        .expect("valid name")
        .to_owned()
}

/// A derivation shaped like a stdenv package before its paths are filled:
/// 1 to 3 outputs (one in ten fixed-output), `vars` environment variables,
/// a build script of about 1 KiB, a few input sources.
fn package(i: u64, vars: usize, rng: &mut Rng) -> Derivation {
    let script: String = (0..40)
        .map(|k| format!("echo step {k} \"$out\"\n"))
        .collect();
    let mut drv = Derivation {
        system: "x86_64-linux".into(),
        builder: "/nix/store/0000000000000000000000000000000a-bash/bin/bash".into(),
        arguments: vec![
            "-e".into(),
            "/nix/store/0000000000000000000000000000000b-builder.sh".into(),
        ],
        ..Default::default()
    };
    for k in 0..vars {
        drv.environment
            .insert(format!("var{k}").into(), format!("value {k} of {i}").into());
    }
    drv.environment.insert("buildPhase".into(), script.into());
    drv.environment
        .insert("name".into(), format!("package-{i}-1.0").into());
    for k in 0..3 {
        drv.input_sources
            .insert(store_path(&format!("source-{k}"), rng));
    }
    if i % 10 == 0 {
        let hash = NixHash::digest_of(HashAlgo::Sha256, i.to_le_bytes());
        drv.outputs
            .insert("out".into(), Output::fixed(CAHash::Nar(hash)));
    } else {
        for o in ["out", "dev", "lib"]
            .iter()
            .take(1 + (rng.next() % 3) as usize)
        {
            drv.outputs.insert((*o).into(), Output::input_addressed());
        }
    }
    drv
}

fn aterm(c: &mut Criterion) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut big = package(1, 300, &mut rng);
    big.fill_output_paths("big", |_| None).expect("no inputs");
    let cases = [
        ("basic", golden("basic")),
        ("escapes", golden("escapes")),
        ("structured", golden("structured")),
        ("generated-300-vars", big.to_aterm_bytes()),
    ];
    let mut g = c.benchmark_group("aterm");
    for (name, bytes) in cases {
        let drv = Derivation::from_aterm_bytes(&bytes).expect("parses");
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(format!("parse/{name}"), |b| {
            b.iter(|| Derivation::from_aterm_bytes(black_box(&bytes)).expect("parses"))
        });
        g.bench_function(format!("write/{name}"), |b| {
            b.iter(|| black_box(&drv).to_aterm_bytes())
        });
        g.bench_function(format!("drv_path/{name}"), |b| {
            b.iter(|| black_box(&drv).drv_path(name).expect("computable"))
        });
    }
    g.finish();
}

/// Fills paths in order, wiring each input-addressed derivation to three
/// earlier ones; returns the number of derivations.
fn compute_all(mut drvs: Vec<Derivation>) -> usize {
    let mut hashes: HashMap<StorePath<String>, [u8; 32]> = HashMap::with_capacity(drvs.len());
    let mut done: Vec<(StorePath<String>, String, String)> = Vec::with_capacity(drvs.len());
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for (i, drv) in drvs.iter_mut().enumerate() {
        if !drv.is_fixed_output() && !done.is_empty() {
            for _ in 0..3 {
                let (path, output, out_path) = &done[(rng.next() % done.len() as u64) as usize];
                drv.input_derivations
                    .entry(path.clone())
                    .or_insert_with(BTreeSet::new)
                    .insert(output.clone());
                drv.environment.insert(
                    format!("dep{}", rng.next() % 7).into(),
                    out_path.as_str().into(),
                );
            }
        }
        let name = format!("package-{i}-1.0");
        drv.fill_output_paths(&name, |p| hashes.get(p).copied())
            .expect("output paths");
        let path = drv.drv_path(&name).expect("drv path");
        let modulo = drv
            .hash_derivation_modulo(|p| hashes.get(p).copied())
            .expect("hash modulo");
        hashes.insert(path.clone(), modulo);
        let (output, o) = drv.outputs.iter().next().expect("one output");
        let out_path = o.path.as_ref().map(|p| p.to_absolute_path());
        done.push((path, output.clone(), out_path.unwrap_or_default()));
    }
    drvs.len()
}

fn evaluator_workload(c: &mut Criterion) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let drvs: Vec<Derivation> = (0..5000).map(|i| package(i, 12, &mut rng)).collect();
    let mut g = c.benchmark_group("paths");
    g.sample_size(20);
    g.throughput(Throughput::Elements(drvs.len() as u64));
    g.bench_function("fill_drv_path_and_modulo/5000", |b| {
        b.iter_batched(|| drvs.clone(), compute_all, BatchSize::LargeInput)
    });
    g.finish();
}

criterion_group!(benches, aterm, evaluator_workload);
criterion_main!(benches);
