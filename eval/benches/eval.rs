//! Criterion benches of the evaluator's hot paths: lambda calls, primop
//! dispatch on integers, attribute set construction and lookup, and
//! laziness (thunk creation and forcing). Workload-level comparisons with
//! C++ Nix live in ../shared/bench/eval.

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
