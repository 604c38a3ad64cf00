//! Criterion benches of the evaluator's hot paths: lambda calls (curried
//! ones applied in one go), primop dispatch on integers, attribute set
//! construction and lookup, `//` chains (layered sets), `//` of two large
//! sets (stacked sets), `removeAttrs`, `with` lookups, and laziness (thunk
//! creation and forcing). Workload-level comparisons with C++ Nix live in
//! ../shared/bench/eval.

use criterion::{Criterion, criterion_group, criterion_main};
use tvix_eval::EvaluationBuilder;

fn eval(src: &str) {
    let e = EvaluationBuilder::new().build();
    let v = e.evaluate_expr(src.as_bytes(), None).expect("evaluates");
    e.force_deep(&v).expect("forces");
}

fn benches(c: &mut Criterion) {
    c.bench_function("calls: fib 20", |b| {
        b.iter(|| eval("let fib = n: if n < 2 then n else fib (n - 1) + fib (n - 2); in fib 20"))
    });
    c.bench_function("calls: curried 3-argument lambda, 100k calls", |b| {
        b.iter(|| {
            eval("let f = a: b: c: a + b * c; in builtins.foldl' (acc: i: f acc i 3) 0 (builtins.genList (i: i) 100000)")
        })
    });
    c.bench_function("primops: foldl' bitXor 100k", |b| {
        b.iter(|| {
            eval("builtins.foldl' (a: i: builtins.bitXor a (i * 3)) 0 (builtins.genList (i: i) 100000)")
        })
    });
    c.bench_function("attrs: listToAttrs 10k and lookups", |b| {
        b.iter(|| {
            eval(
                "let s = builtins.listToAttrs (builtins.genList (i: { name = toString i; value = i; }) 10000); \
                 in builtins.foldl' (a: i: a + s.${toString i}) 0 (builtins.genList (i: i) 10000)",
            )
        })
    });
    c.bench_function("update: 200 small // over a 20k set", |b| {
        b.iter(|| {
            eval(
                "let base = builtins.listToAttrs (builtins.genList (i: { name = \"a${toString i}\"; value = i; }) 20000); \
                 r = builtins.foldl' (acc: k: acc // { \"a${toString (k * 7)}\" = k; \"b${toString k}\" = k; }) base (builtins.genList (k: k) 200); \
                 in r.a700 + r.b199 + builtins.length (builtins.attrNames r)",
            )
        })
    });
    c.bench_function("update: 50 large // over a 20k set, 400 lookups each", |b| {
        b.iter(|| {
            eval(
                "let base = builtins.listToAttrs (builtins.genList (i: { name = \"a${toString i}\"; value = i; }) 20000); \
                 over = k: builtins.listToAttrs (builtins.genList (i: { name = \"a${toString (i * 3 + k)}\"; value = k; }) 5000); \
                 look = s: k: builtins.foldl' (acc: j: acc + s.\"a${toString (j * 41 + k)}\") 0 (builtins.genList (j: j) 400); \
                 in builtins.foldl' (acc: k: acc + look (base // over k) k) 0 (builtins.genList (k: k) 50)",
            )
        })
    });
    c.bench_function("removeAttrs: 5k names from a 20k set", |b| {
        b.iter(|| {
            eval(
                "let s = builtins.listToAttrs (builtins.genList (i: { name = toString i; value = i; }) 20000); \
                 in builtins.length (builtins.attrNames (removeAttrs s (builtins.genList (i: toString (i * 3)) 5000)))",
            )
        })
    });
    c.bench_function("with: 20k lookups through 3 scopes", |b| {
        b.iter(|| {
            eval(
                "let s1 = { a = 1; }; s2 = { b = 2; }; s3 = { c = 3; }; \
                 in builtins.foldl' (acc: i: acc + (with s1; with s2; with s3; a + b + c)) 0 (builtins.genList (i: i) 20000)",
            )
        })
    });
    c.bench_function("lets: 4 nested lets in a function body, 50k calls", |b| {
        b.iter(|| {
            eval(
                "let f = i: let a = i + 1; in let b = a * 2; in let c = b - i; in let d = c + a; in d; \
                 in builtins.foldl' (acc: i: acc + f i) 0 (builtins.genList (i: i) 50000)",
            )
        })
    });
    c.bench_function("laziness: 100k thunks, half forced", |b| {
        b.iter(|| {
            eval(
                "let l = builtins.genList (i: i * 2) 100000; \
                 in builtins.foldl' (a: i: a + builtins.elemAt l (i * 2)) 0 (builtins.genList (i: i) 50000)",
            )
        })
    });
}

criterion_group!(eval_benches, benches);
criterion_main!(eval_benches);
